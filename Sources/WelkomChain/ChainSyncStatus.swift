import Foundation
import Synchronization

/// What the agent's chain sync is doing, for /healthz, /metrics and the log: whether the chain
/// database is reachable, how far the store has read, how much of its ledger waits to ship.
public final class ChainSyncStatus: Sendable {
    public struct State: Sendable, Equatable {
        public var connected = false
        /// Why the database is unreachable, while it is.
        public var problem: String?
        public var cursor: Int64 = 0
        public var entriesQueued: Int64 = 0
        public var lastSync: Date?
    }
    private let state = Mutex(State())
    /// Told every change, outside the lock (the agent sets its /metrics gauges from it).
    private let observer: @Sendable (State) -> Void

    public init(observer: @escaping @Sendable (State) -> Void = { _ in }) {
        self.observer = observer
    }

    public var current: State { state.withLock { $0 } }

    func update(_ change: (inout State) -> Void) {
        let now = state.withLock { s -> State in
            change(&s)
            return s
        }
        observer(now)
    }
}
