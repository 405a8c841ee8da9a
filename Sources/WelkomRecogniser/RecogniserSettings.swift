/// What the recogniser needs from the config.
public struct RecogniserSettings: Sendable, Equatable {
    /// False unless the config sets `recognition.enabled = true` and a DPIA reference:
    /// then the recogniser matches nobody (brief, invariant 1).
    public var enabled: Bool
    /// WLK1 frames are accepted under this company ID only.
    public var companyID: UInt16
    /// How many 10-minute windows either side of the sighting's own are accepted.
    public var skewWindows: Int

    public init(enabled: Bool, companyID: UInt16 = 0xFFFF, skewWindows: Int = 1) {
        self.enabled = enabled
        self.companyID = companyID
        self.skewWindows = max(0, skewWindows)
    }
}
