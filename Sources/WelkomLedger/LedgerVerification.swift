/// The outcome of `welkom audit verify`.
public enum LedgerVerification: Sendable, Equatable {
    /// Every entry, tree node and checkpoint checked; `root` is the tree's root in hex
    /// (MTH of no entries for an empty ledger), `checkpoints` how many signed checkpoints held.
    case intact(entries: Int64, root: String, checkpoints: Int)
    /// The first entry that does not check out, and why.
    case broken(seq: Int64, reason: String)
    /// A checkpoint that does not check out (bad signature, another key, a root the entries do
    /// not give, a size the ledger no longer has).
    case brokenCheckpoint(id: Int64, reason: String)
}
