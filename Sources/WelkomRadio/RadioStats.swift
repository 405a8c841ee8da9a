import WelkomCore

/// Aggregate counters of what the radio source saw: kinds and counts only, never identifiers,
/// so they are safe for metrics, logs and `welkom scan` (docs/privacy-invariants.md, invariant 2).
public struct RadioStats: Sendable, Equatable, CustomStringConvertible {
    /// Advertising reports carrying a WLK1 frame.
    public var wlk1Reports = 0
    /// Advertising reports carrying an Eddystone-EID frame.
    public var eidReports = 0
    /// Advertising reports carrying a static identifier (iBeacon, AltBeacon).
    public var staticReports = 0
    /// Advertising reports carrying nothing a scheme matches on (an RPA is resolved from the
    /// address, which every report has, so it is not a kind of its own here).
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

    public var reports: Int { wlk1Reports + eidReports + staticReports + otherReports }

    /// Counts one report by the kind of evidence it carried.
    public mutating func count(_ evidence: Evidence) {
        switch evidence {
        case .wlk1: wlk1Reports += 1
        case .eid: eidReports += 1
        case .staticIdentifier: staticReports += 1
        case .card, .other: otherReports += 1
        }
    }

    public static func + (a: RadioStats, b: RadioStats) -> RadioStats { a.combined(with: b, sign: 1) }
    /// What `a` counted since it was `b` (a session publishing its new counts).
    public static func - (a: RadioStats, b: RadioStats) -> RadioStats { a.combined(with: b, sign: -1) }

    private func combined(with b: RadioStats, sign: Int) -> RadioStats {
        var s = self
        s.wlk1Reports += sign * b.wlk1Reports
        s.eidReports += sign * b.eidReports
        s.staticReports += sign * b.staticReports
        s.otherReports += sign * b.otherReports
        s.framingErrors += sign * b.framingErrors
        s.malformedReports += sign * b.malformedReports
        s.malformedAdvertisingData += sign * b.malformedAdvertisingData
        s.transportReopens += sign * b.transportReopens
        s.controllerResets += sign * b.controllerResets
        return s
    }

    public var description: String {
        "reports=\(reports) wlk1=\(wlk1Reports) eid=\(eidReports) static=\(staticReports) other=\(otherReports) framing_errors=\(framingErrors) "
            + "malformed_reports=\(malformedReports) malformed_ad=\(malformedAdvertisingData) reopens=\(transportReopens) controller_resets=\(controllerResets)"
    }
}
