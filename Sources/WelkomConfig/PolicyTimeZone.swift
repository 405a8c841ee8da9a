import Foundation

/// Whether a `time_zone` value names a zone this system knows (tzdata).
enum PolicyTimeZone {
    static func isKnown(_ identifier: String) -> Bool {
        TimeZone(identifier: identifier) != nil
    }
}
