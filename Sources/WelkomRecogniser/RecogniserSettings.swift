/// What the recogniser needs from the config.
public struct RecogniserSettings: Sendable, Equatable {
    /// False unless the config sets `recognition.enabled = true` and a DPIA reference:
    /// then the recogniser matches nobody (docs/privacy-invariants.md, invariant 1).
    public var enabled: Bool
    /// WLK1 frames are accepted under this company ID only.
    public var companyID: UInt16
    /// How many 10-minute windows either side of the sighting's own are accepted.
    public var skewWindows: Int
    /// Whether iBeacon, AltBeacon and fixed addresses may match a customer (invariant 7).
    /// When false they are not even loaded into the tables.
    public var allowStaticIdentifiers: Bool
    /// The largest chance per address that a stranger's RPA matches some enrolled IRK under which
    /// an RPA match alone is a recognition (invariant 8); above it an RPA match needs a WLK1
    /// token or card of the same customer from the same visit.
    public var rpaFalseMatchBound: Double

    public init(enabled: Bool, companyID: UInt16 = 0xFFFF, skewWindows: Int = 1,
                allowStaticIdentifiers: Bool = false, rpaFalseMatchBound: Double = 1e-5) {
        self.enabled = enabled
        self.companyID = companyID
        self.skewWindows = max(0, skewWindows)
        self.allowStaticIdentifiers = allowStaticIdentifiers
        self.rpaFalseMatchBound = rpaFalseMatchBound
    }
}
