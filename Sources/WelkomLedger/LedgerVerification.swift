/// The outcome of walking the whole chain (`welkom audit verify`).
public enum LedgerVerification: Sendable, Equatable {
    /// Every entry checked; `head` is the last entry's hash in hex (64 zeros for an empty ledger).
    case intact(entries: Int64, head: String)
    /// The first entry that does not check out, and why.
    case broken(seq: Int64, reason: String)
}
