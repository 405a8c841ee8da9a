import Foundation

/// A card whose holder declined the loyalty programme and asked not to be asked again: the till
/// shows "don't ask about the loyalty programme" when it is scanned, and nothing else. Only the
/// card's pseudonym is stored with it (never the number, no name); it expires on its own.
public struct DoNotAskMarker: Sendable, Equatable {
    /// Random ("dna-" and 16 hex digits): the name its ledger entries carry instead of a customer.
    public var marker: String
    public var created: Date
    public var expires: Date

    public init(marker: String, created: Date, expires: Date) {
        self.marker = marker
        self.created = created
        self.expires = expires
    }

    /// How long a marker lasts unless the config says otherwise (`[desk] do_not_ask_days`).
    public static let defaultLifetime: TimeInterval = 365 * 86_400

    static func newMarker() -> String {
        var rng = SystemRandomNumberGenerator()
        return "dna-" + (0..<8).map { _ in
            let b = UInt8.random(in: 0...255, using: &rng)
            return (b < 16 ? "0" : "") + String(b, radix: 16)
        }.joined()
    }
}
