import Foundation
import WelkomCore

/// Ledger times: whole milliseconds since 1970 UTC, the unit the chain hashes, and their
/// RFC 3339 spelling ("2026-11-29T18:00:00.123Z") for the export, printed from the integer
/// (UTCTimestamp) so a hashed, exported audit record prints the same milliseconds it hashed.
public enum LedgerTime {
    /// Rounds to the nearest millisecond (a Date built from milliseconds is a binary fraction
    /// that truncation would push down by one).
    public static func milliseconds(_ date: Date) -> Int64 {
        UTCTimestamp.milliseconds(date)
    }

    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// RFC 3339 in UTC with exactly three fractional digits.
    public static func rfc3339(milliseconds: Int64) -> String {
        UTCTimestamp.rfc3339(milliseconds: milliseconds)
    }

    public static func rfc3339(_ date: Date) -> String {
        rfc3339(milliseconds: milliseconds(date))
    }
}
