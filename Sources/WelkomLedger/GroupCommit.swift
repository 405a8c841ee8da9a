import Dispatch
import Synchronization
import WelkomCore

/// Group commit: appends that arrive while a transaction is being written wait and go into the
/// next one together, so many concurrent appends share one fsync. One writer at a time, on a
/// queue of its own (never on Swift concurrency's pool): callers either block (`append`) or
/// suspend (`submit`) until their batch is on disk.
final class GroupCommit: Sendable {
    typealias Completion = @Sendable (Result<LedgerEntry, LedgerError>) -> Void
    private struct Request: Sendable {
        let entry: PreparedEntry
        let done: Completion
    }
    private struct State {
        var pending: [Request] = []
        var writing = false
    }

    /// Upper bound on one transaction, so one huge burst does not hold the write lock for long.
    static let maximumBatch = 8192
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "welkom.ledger.group-commit", qos: .userInitiated)
    private let write: @Sendable ([PreparedEntry]) -> Result<[LedgerEntry], LedgerError>

    init(write: @escaping @Sendable ([PreparedEntry]) -> Result<[LedgerEntry], LedgerError>) {
        self.write = write
    }

    func enqueue(_ entry: PreparedEntry, done: @escaping Completion) {
        let start = state.withLock { s -> Bool in
            s.pending.append(Request(entry: entry, done: done))
            if s.writing { return false }
            s.writing = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = state.withLock { s -> [Request] in
                let n = min(s.pending.count, Self.maximumBatch)
                let batch = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                if batch.isEmpty { s.writing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            switch write(batch.map(\.entry)) {
            case let .success(entries):
                for (request, entry) in zip(batch, entries) { request.done(.success(entry)) }
            case let .failure(error):
                // The whole transaction rolled back: nobody in it is acknowledged.
                for request in batch { request.done(.failure(error)) }
            }
        }
    }
}
