import Foundation

/// Ledger times: whole milliseconds since 1970 UTC, the unit the chain hashes, and their
/// RFC 3339 spelling ("2026-11-29T18:00:00.123Z") for the export.
///
/// Formatted by hand from the integer rather than with ISO8601DateFormatter: the formatter goes
/// through a floating-point Date and can print .122 for .123, and a hashed, exported audit
/// record must print the same milliseconds it hashed.
public enum LedgerTime {
    /// Rounds to the nearest millisecond (a Date built from milliseconds is a binary fraction
    /// that truncation would push down by one).
    public static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        // Dates this far out are nonsense, but must not trap on conversion.
        guard ms.isFinite else { return 0 }
        return Int64(max(-9.2e18, min(9.2e18, ms)))
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// RFC 3339 in UTC with exactly three fractional digits.
    public static func rfc3339(milliseconds: Int64) -> String {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let ms = msOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(ms, 3))Z"
    }

    public static func rfc3339(_ date: Date) -> String {
        rfc3339(milliseconds: milliseconds(date))
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil, inverted).
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let s = String(value.magnitude)
        let padded = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        return value < 0 ? "-" + padded : padded
    }
}
