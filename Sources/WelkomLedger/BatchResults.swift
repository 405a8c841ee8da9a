import Synchronization
import WelkomCore

/// Collects the group commit's answers for a batch of entries (`Ledger.submit(contentsOf:)`) and
/// reports once, when every one has come: all the entries in order, or the first failure.
final class BatchResults: Sendable {
    private struct State {
        var entries: [LedgerEntry?]
        var remaining: Int
        var failure: LedgerError?
    }
    private let state: Mutex<State>
    private let done: @Sendable (Result<[LedgerEntry], LedgerError>) -> Void

    init(count: Int, done: @escaping @Sendable (Result<[LedgerEntry], LedgerError>) -> Void) {
        state = Mutex(State(entries: Array(repeating: nil, count: count), remaining: count))
        self.done = done
    }

    func set(_ index: Int, _ result: Result<LedgerEntry, LedgerError>) {
        let finished = state.withLock { s -> Result<[LedgerEntry], LedgerError>? in
            switch result {
            case let .success(entry): s.entries[index] = entry
            case let .failure(error): s.failure = s.failure ?? error
            }
            s.remaining -= 1
            guard s.remaining == 0 else { return nil }
            if let failure = s.failure { return .failure(failure) }
            return .success(s.entries.compactMap { $0 })
        }
        if let finished { done(finished) }
    }
}
