import WelkomCore

/// One state of the registry as the agent loads it: the key material of every active consent,
/// every customer's profile, and the change counter they were read at.
public struct ConsentSnapshot: Sendable {
    public var changeCounter: Int64
    public var keys: [ConsentKeys]
    public var profiles: [CustomerID: CustomerProfile]

    public init(changeCounter: Int64, keys: [ConsentKeys], profiles: [CustomerID: CustomerProfile]) {
        self.changeCounter = changeCounter
        self.keys = keys
        self.profiles = profiles
    }
}
