/// `[recognition]`: whether anyone is recognised at all, and how cautiously.
/// Off by default: a fresh install recognises nobody (docs/privacy-invariants.md, invariant 1).
public struct RecognitionSettings: Sendable, Equatable {
    /// `enabled`: recognition runs only when true *and* `dpiaReference` is set.
    public var enabled: Bool
    /// `dpia_reference`: the reference of the data protection impact assessment that covers
    /// this store; required when `enabled` is true.
    public var dpiaReference: String
    /// `skew_windows`: WLK1 windows (10 minutes each) accepted either side of now, 0…6.
    public var skewWindows: Int
    /// `allow_static_identifiers`: whether iBeacon IDs and fixed addresses may match (invariant 7).
    public var allowStaticIdentifiers: Bool
    /// `rpa_false_match_bound`: the largest chance, per address, that a stranger's RPA
    /// matches some enrolled IRK, under which an RPA match alone counts (invariant 8). In (0, 1).
    public var rpaFalseMatchBound: Double
    /// `company_id`: the Bluetooth company ID carried by WLK1 frames. 0xFFFF is for testing.
    public var companyID: UInt16

    public static let skewWindowsRange = 0...6

    /// The most IRKs N for which N/2^24 stays within `rpaFalseMatchBound` (invariant 8).
    public var maximumIRKsForRPAAlone: Int { Int((rpaFalseMatchBound * 16_777_216).rounded(.down)) }

    /// What `config check` can say about the RPA bound without the registry: the IRK count at
    /// which it is exceeded. The running agent states the real N and N/2^24 at start.
    public var rpaBoundSummary: String {
        "an RPA match alone counts only while N enrolled IRKs keep N/2^24 within rpa_false_match_bound = \(rpaFalseMatchBound), "
            + "i.e. up to \(maximumIRKsForRPAAlone) IRKs; above that it needs a WLK1 token or card from the same visit "
            + "(this check does not read the registry: the running agent states N and N/2^24 at start)"
    }

    public init(enabled: Bool = false, dpiaReference: String = "", skewWindows: Int = 1,
                allowStaticIdentifiers: Bool = false, rpaFalseMatchBound: Double = 1e-5,
                companyID: UInt16 = 0xFFFF) {
        self.enabled = enabled
        self.dpiaReference = dpiaReference
        self.skewWindows = skewWindows
        self.allowStaticIdentifiers = allowStaticIdentifiers
        self.rpaFalseMatchBound = rpaFalseMatchBound
        self.companyID = companyID
    }
}

extension RecognitionSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.bool("enabled") { enabled = v }
        if let v = s.string("dpia_reference") { dpiaReference = v }
        if let v = s.integer("skew_windows", in: Self.skewWindowsRange) { skewWindows = v }
        if let v = s.bool("allow_static_identifiers") { allowStaticIdentifiers = v }
        if let v = s.number("rpa_false_match_bound") {
            if v > 0 && v < 1 {
                rpaFalseMatchBound = v
            } else {
                s.report("rpa_false_match_bound", "must be greater than 0 and less than 1, found \(v)")
            }
        }
        if let v = s.integer("company_id", in: 0...0xFFFF, show: Self.hex) {
            companyID = UInt16(v)
        }
        s.finish()
    }

    static func hex(_ v: Int) -> String {
        v < 0 ? "\(v)" : "0x" + String(v, radix: 16, uppercase: true).leftPadded(to: 4)
    }

    func render(into w: inout TOMLWriter) {
        w.table("recognition")
        w.key("enabled", enabled)
        w.key("dpia_reference", dpiaReference)
        w.key("skew_windows", skewWindows)
        w.key("allow_static_identifiers", allowStaticIdentifiers)
        w.key("rpa_false_match_bound", rpaFalseMatchBound)
        w.key("company_id", hex: Int(companyID), digits: 4)
    }
}
