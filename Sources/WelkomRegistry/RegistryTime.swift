import Foundation

/// Registry dates are stored as whole milliseconds since 1970 UTC: unambiguous, and comparable
/// in SQL (`expires_ms > ?`).
enum RegistryTime {
    static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        return Int64(max(-9.2e18, min(9.2e18, ms)))
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// For error messages only.
    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
