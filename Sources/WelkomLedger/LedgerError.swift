/// What went wrong, with the ledger file's path so an operator knows where to look.
public enum LedgerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// SQLite or the file system refused an operation (disk full, read-only, locked, …).
    case storage(path: String, operation: String, reason: String)
    /// A draft the ledger will not record.
    case invalidDraft(String)
    /// A stored row this version cannot read (wrong type, unknown kind); `verify` reports the same as broken.
    case unreadableEntry(seq: Int64, reason: String)
    /// The file was written by a newer Welkom, or a read-only open found an unmigrated file.
    case schema(path: String, reason: String)
    /// The customer's entries were unlinked and committed, but the write-ahead log still holds
    /// the old bytes because another process kept reading; running the erasure again finishes it.
    case erasureIncomplete(path: String, unlinked: Int, reason: String)
    /// The checkpoint signing key cannot be read or made.
    case signingKey(path: String, reason: String)
    /// No checkpoint with that number, or a proof asked for a tree the ledger does not have.
    case noSuchCheckpoint(Int64)
    case proof(String)

    public var description: String {
        switch self {
        case let .storage(path, operation, reason):
            "ledger \(path): \(operation) failed: \(reason)"
        case let .invalidDraft(reason):
            "ledger: cannot record entry: \(reason)"
        case let .unreadableEntry(seq, reason):
            "ledger: entry \(seq) is unreadable: \(reason)"
        case let .schema(path, reason):
            "ledger \(path): \(reason)"
        case let .erasureIncomplete(path, unlinked, reason):
            "ledger \(path): \(unlinked) entries unlinked, but old bytes remain in \(path)-wal until it can be checkpointed (\(reason)); run the erasure again"
        case let .signingKey(path, reason):
            "ledger signing key \(path): \(reason)"
        case let .noSuchCheckpoint(id):
            "ledger: there is no checkpoint \(id)"
        case let .proof(reason):
            "ledger: cannot build the proof: \(reason)"
        }
    }
}
