import struct Foundation.Date

/// RFC 3339 times in UTC, formatted by integer arithmetic: the ledger's export ("…T18:00:00.123Z",
/// the milliseconds it hashed) and the till's events, one per prompt on the path to the page.
///
/// Not ISO8601DateFormatter: it goes through a floating-point Date and ICU, can print .122 for
/// .123, and building one per event cost more than the rest of a prompt's encoding.
public enum UTCTimestamp {
    /// Rounds to the nearest millisecond (a Date built from milliseconds is a binary fraction
    /// that truncation would push down by one).
    public static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        // Dates this far out are nonsense, but must not trap on conversion.
        guard ms.isFinite else { return 0 }
        return Int64(max(-9.2e18, min(9.2e18, ms)))
    }

    /// "2026-11-29T18:00:00.123Z": exactly three fractional digits.
    public static func rfc3339(milliseconds: Int64) -> String {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        return dateAndTime(days: days, msOfDay: msOfDay) + "." + pad(msOfDay % 1000, 3) + "Z"
    }

    /// "2026-11-29T18:00:00Z": to the millisecond, then the fraction dropped (as Foundation's
    /// ISO8601DateFormatter, behind JSONEncoder's `.iso8601`, prints it).
    public static func rfc3339Seconds(_ date: Date) -> String {
        let (days, msOfDay) = floorDivide(milliseconds(date), 86_400_000)
        return dateAndTime(days: days, msOfDay: msOfDay) + "Z"
    }

    private static func dateAndTime(days: Int64, msOfDay: Int64) -> String {
        let (year, month, day) = civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
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
