/// `[ledger]`: the tamper-evident match log and what the privacy officer's report says about it.
public struct LedgerSettings: Sendable, Equatable {
    /// `retention_days`: record bodies of recognitions, acknowledgements and dismissals older than
    /// this are purged (GDPR: keep no longer than needed); the agent purges daily. At least 1.
    public var retentionDays: Int
    /// `checkpoint_interval_seconds`: how often the running agent signs a checkpoint of the
    /// ledger's tree (when it grew); it also signs one when it stops. 1–86400.
    public var checkpointIntervalSeconds: Int
    /// `controller`: the controller's name and address for the Art. 30 processing record
    /// (`welkom audit report`); empty says "not configured".
    public var controller: String
    /// `privacy_contact`: where customers and the regulator reach the privacy officer or DPO.
    public var privacyContact: String

    public init(retentionDays: Int = 30, checkpointIntervalSeconds: Int = 300, controller: String = "",
                privacyContact: String = "") {
        self.retentionDays = retentionDays
        self.checkpointIntervalSeconds = checkpointIntervalSeconds
        self.controller = controller
        self.privacyContact = privacyContact
    }
}

extension LedgerSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.integer("retention_days", in: 1...Int.max) { retentionDays = v }
        if let v = s.integer("checkpoint_interval_seconds", in: 1...86_400) { checkpointIntervalSeconds = v }
        if let v = s.string("controller") { controller = v }
        if let v = s.string("privacy_contact") { privacyContact = v }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("ledger")
        w.key("retention_days", retentionDays)
        w.key("checkpoint_interval_seconds", checkpointIntervalSeconds)
        w.key("controller", controller)
        w.key("privacy_contact", privacyContact)
    }
}
