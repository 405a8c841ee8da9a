import WelkomCore

/// One state of the registry as the agent loads it: the key material of every active consent and
/// the change counter it was read at. Profiles are read on recognition (`ConsentRegistry.profile(of:)`).
public struct ConsentSnapshot: Sendable {
    public var changeCounter: Int64
    public var keys: [ConsentKeys]
    /// When asked for (`snapshot(at:withTokenKeys:)`): the WLK1 token key of every beacon key in
    /// `keys`, in order (`keys.compactMap(\.beaconKey)`), derived while the registry was read.
    public var wlk1TokenKeys: [Block128]?

    public init(changeCounter: Int64, keys: [ConsentKeys], wlk1TokenKeys: [Block128]? = nil) {
        self.changeCounter = changeCounter
        self.keys = keys
        self.wlk1TokenKeys = wlk1TokenKeys
    }
}
