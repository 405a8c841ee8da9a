/// Aggregate counters of what the radio source saw: kinds and counts only, never identifiers,
/// so they are safe for metrics, logs and `welkom scan` (brief, invariant 2).
public struct RadioStats: Sendable, Equatable, CustomStringConvertible {
    /// Advertising reports carrying a WLK1 frame.
    public var wlk1Reports = 0
    /// Advertising reports carrying nothing a scheme matches on.
    public var otherReports = 0
    /// Runs of bytes the H4 decoder skipped to resynchronise (and btsnoop records that were no packet).
    public var framingErrors = 0
    /// HCI events whose report lengths overran the packet; each such packet was dropped.
    public var malformedReports = 0
    /// Reports whose AD structures overran the report data (structures before the overrun were kept).
    public var malformedAdvertisingData = 0
    /// Times the transport closed or failed and was reopened.
    public var transportReopens = 0
    /// Times the controller restarted on its own and was set up again on the same transport.
    public var controllerResets = 0

    public init() {}

    public var reports: Int { wlk1Reports + otherReports }

    /// Reports by evidence kind, for a metric's label ("wlk1", "other").
    public var reportsByKind: [String: Int] { ["wlk1": wlk1Reports, "other": otherReports] }

    public static func + (a: RadioStats, b: RadioStats) -> RadioStats {
        var s = a
        s.wlk1Reports += b.wlk1Reports
        s.otherReports += b.otherReports
        s.framingErrors += b.framingErrors
        s.malformedReports += b.malformedReports
        s.malformedAdvertisingData += b.malformedAdvertisingData
        s.transportReopens += b.transportReopens
        s.controllerResets += b.controllerResets
        return s
    }

    public var description: String {
        "reports=\(reports) wlk1=\(wlk1Reports) other=\(otherReports) framing_errors=\(framingErrors) "
            + "malformed_reports=\(malformedReports) malformed_ad=\(malformedAdvertisingData) reopens=\(transportReopens) controller_resets=\(controllerResets)"
    }
}
