/// `[ledger]`: the tamper-evident match log.
public struct LedgerSettings: Sendable, Equatable {
    /// `retention_days`: entries older than this are purged (GDPR: keep no longer than needed). At least 1.
    public var retentionDays: Int

    public init(retentionDays: Int = 30) {
        self.retentionDays = retentionDays
    }
}

extension LedgerSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.integer("retention_days", in: 1...Int.max) { retentionDays = v }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("ledger")
        w.key("retention_days", retentionDays)
    }
}
