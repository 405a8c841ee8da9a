/// Everything `welkom run` reads from its TOML file (config/welkom.toml documents each key).
///
/// A key left out takes its default; a file with nothing in it is `WelkomConfig.defaults`,
/// which recognises nobody. Reading a file either gives a complete, checked config or a
/// `ConfigError` listing every problem as `FILE:LINE: key: message`.
public struct WelkomConfig: Sendable, Equatable {
    public var data: DataSettings
    public var recognition: RecognitionSettings
    public var radio: RadioSettings
    /// `[zones]` and `[[zone]]`: which till a radio-recognised customer stands at. No zones by default.
    public var zones: ZoneSettings
    /// `[[reader]]`, in file order. None by default.
    public var readers: [ReaderSettings]
    /// `[cards]`: the shop's own card ranges that look like payment cards. None by default.
    public var cards: CardSettings
    /// `[[till]]`, in file order. One till ("1", "Kassa 1") when the file has none.
    public var tills: [TillSettings]
    public var tillDisplay: TillDisplaySettings
    public var ledger: LedgerSettings
    public var policy: PolicySection
    /// `[templates]`: the words of each prompt, per language.
    public var templates: PolicyTemplates
    /// `[[offer]]`, the offer catalogue, in file order. None by default.
    public var offers: [OfferSettings]
    /// `[[pole_display]]`, customer pole displays, in file order. None by default.
    public var poleDisplays: [PoleDisplaySettings]
    public var log: LogSettings
    /// `[metrics]`: the listener of `/metrics` and `/healthz`.
    public var metrics: MetricsSettings
    /// `[chain]`: the chain's central registry and ledger (chain mode). Off by default.
    public var chain: ChainSettings

    public init(data: DataSettings = DataSettings(),
                recognition: RecognitionSettings = RecognitionSettings(),
                radio: RadioSettings = RadioSettings(),
                zones: ZoneSettings = ZoneSettings(),
                readers: [ReaderSettings] = [],
                cards: CardSettings = CardSettings(),
                tills: [TillSettings] = TillSettings.defaultTills,
                tillDisplay: TillDisplaySettings = TillDisplaySettings(),
                ledger: LedgerSettings = LedgerSettings(),
                policy: PolicySection = PolicySection(),
                templates: PolicyTemplates = PolicyTemplates(),
                offers: [OfferSettings] = [],
                poleDisplays: [PoleDisplaySettings] = [],
                log: LogSettings = LogSettings(),
                metrics: MetricsSettings = MetricsSettings(),
                chain: ChainSettings = ChainSettings()) {
        self.data = data
        self.recognition = recognition
        self.radio = radio
        self.zones = zones
        self.readers = readers
        self.cards = cards
        self.tills = tills
        self.tillDisplay = tillDisplay
        self.ledger = ledger
        self.policy = policy
        self.templates = templates
        self.offers = offers
        self.poleDisplays = poleDisplays
        self.log = log
        self.metrics = metrics
        self.chain = chain
    }

    /// The config of a file that sets nothing: recognition off, one till, no readers.
    public static let defaults = WelkomConfig()

    /// Whether anyone may be recognised: only with `recognition.enabled = true` *and* a DPIA
    /// reference (docs/privacy-invariants.md, invariant 1). The agent must check this, not `enabled`.
    public var recognitionActive: Bool {
        recognition.enabled && !recognition.dpiaReference.isBlank
    }

    /// What the agent should log once at start, so the operator knows what this config does
    /// about privacy. Holds no identifier of any person.
    public var startupNotices: [String] {
        var notices: [String] = []
        if !recognition.enabled {
            notices.append("recognition is off: nobody will be recognised (set recognition.enabled = true and recognition.dpia_reference to enable)")
        } else if recognition.dpiaReference.isBlank {
            // A checked file cannot get here (it is a config error); a config built in code can.
            notices.append("recognition is off: recognition.enabled is true but recognition.dpia_reference is empty, and a DPIA reference is required when recognition is enabled")
        } else {
            notices.append("recognition is on under DPIA reference \(TOMLWriter.quoted(recognition.dpiaReference)): only customers with an active consent are recognised")
            if recognition.companyID == 0xFFFF {
                notices.append("recognition.company_id is 0xFFFF, the Bluetooth SIG's ID for testing; a deployment should set its own company ID")
            }
            if recognition.allowStaticIdentifiers {
                notices.append("static identifiers (iBeacon IDs, fixed addresses) may be matched: anyone can follow such an identifier, so allow it only where the customers consented to that")
            }
        }
        if !radio.record.isEmpty {
            // One file per receiver: name them all, so none is forgotten when deleting.
            let files = radio.allReceivers.compactMap { radio.recordPath(forReceiver: $0.name) }
            let named = (files.isEmpty ? [radio.record] : files).map { TOMLWriter.quoted($0) }.joined(separator: ", ")
            notices.append("radio.record is set: every advertisement heard, including those of people who did not opt in, is written to \(named); use it for diagnostics only and delete the capture afterwards")
        }
        return notices
    }
}

extension String {
    /// Empty or only whitespace: a DPIA reference of "  " is no reference.
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}
