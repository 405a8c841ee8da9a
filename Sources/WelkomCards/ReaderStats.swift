/// What one card reader has delivered so far, as aggregate counts only (privacy invariant 2):
/// a snapshot for metrics and `welkom doctor`. Never holds a code.
public struct ReaderStats: Sendable, Equatable, CustomStringConvertible {
    /// Every non-empty line the reader sent (loyalty + invalid + paymentDropped).
    public var codesRead: Int
    /// Lines that became a loyalty-card sighting.
    public var loyalty: Int
    /// Lines rejected: bad check digits, garbage, control characters, over-long lines, partial reads.
    public var invalid: Int
    /// Payment cards dropped at the reader (docs/privacy-invariants.md, invariant 6).
    public var paymentDropped: Int
    /// Times the reader went away (unplugged, pty closed, I/O error) after being open.
    public var disconnects: Int

    public init(codesRead: Int = 0, loyalty: Int = 0, invalid: Int = 0, paymentDropped: Int = 0, disconnects: Int = 0) {
        self.codesRead = codesRead
        self.loyalty = loyalty
        self.invalid = invalid
        self.paymentDropped = paymentDropped
        self.disconnects = disconnects
    }

    public var description: String {
        "read=\(codesRead) loyalty=\(loyalty) invalid=\(invalid) payment_dropped=\(paymentDropped) disconnects=\(disconnects)"
    }
}
