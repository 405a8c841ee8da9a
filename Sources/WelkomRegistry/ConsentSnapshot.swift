import WelkomCore

/// One state of the registry as the agent loads it: the key material of every active consent and
/// the change counter it was read at. Profiles are read on recognition (`ConsentRegistry.profile(of:)`).
public struct ConsentSnapshot: Sendable {
    public var changeCounter: Int64
    public var keys: [ConsentKeys]

    public init(changeCounter: Int64, keys: [ConsentKeys]) {
        self.changeCounter = changeCounter
        self.keys = keys
    }
}
