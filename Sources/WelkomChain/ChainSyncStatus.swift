import Foundation
import Synchronization
import WelkomCore

/// What the agent's chain sync is doing, for /healthz, /metrics and the log: whether the chain
/// database is reachable, how far the store has read, how much of its ledger waits to ship.
public final class ChainSyncStatus: Sendable {
    public struct State: Sendable, Equatable {
        public var connected = false
        /// Why the database is unreachable, while it is.
        public var problem: String?
        /// Since when it has been unreachable (kept here, not by the sync: the first failure after
        /// being connected, or since start, counts).
        public var unreachableSince: Date?
        public var cursor: Int64 = 0
        public var entriesQueued: Int64 = 0
        /// When the change log was last read to its head (and the ledger shipped).
        public var lastSync: Date?

        public init() {}
    }
    private let state = Mutex(State())
    /// Told every change, outside the lock (the agent sets its /metrics gauges from it).
    private let observer: @Sendable (State) -> Void
    private let now: @Sendable () -> Date

    public init(observer: @escaping @Sendable (State) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }) {
        self.observer = observer
        self.now = now
    }

    public var current: State { state.withLock { $0 } }

    func update(_ change: (inout State) -> Void) {
        let time = now()
        let updated = state.withLock { s -> State in
            change(&s)
            if s.connected {
                s.unreachableSince = nil
            } else if s.problem != nil, s.unreachableSince == nil {
                s.unreachableSince = time
            }
            return s
        }
        observer(updated)
    }
}

extension ChainSyncStatus.State {
    /// The chain's line on /healthz, and whether the agent is degraded by it: unreachable is
    /// degraded, never unhealthy — the store keeps recognising from its local registry and catches
    /// up by itself, so a monitor should alert and nothing should restart it (docs/chain.md).
    public func health(store: String, now: Date) -> (line: String, degraded: Bool) {
        let queued = "\(entriesQueued) ledger \(entriesQueued == 1 ? "entry" : "entries") queued to ship"
        if connected {
            guard let lastSync else {
                return ("chain: connected as store \(store); loading the consents (initial load)", false)
            }
            let ago = Self.seconds(now.timeIntervalSince(lastSync))
            return ("chain: connected as store \(store); consent cursor \(cursor), change log read to its head \(ago) ago (lag); \(queued)", false)
        }
        guard let problem else {
            return ("chain: connecting to the chain database; recognising from local state", false)
        }
        let since = unreachableSince.map(Self.rfc3339) ?? "start"
        return ("chain database unreachable since \(since): \(problem); recognising from local state "
                + "(store \(store), consent cursor \(cursor), \(queued) at the last contact)", true)
    }

    static func seconds(_ s: TimeInterval) -> String {
        String(format: "%.1f s", max(0, s))
    }

    static func rfc3339(_ date: Date) -> String {
        UTCTimestamp.rfc3339Seconds(date)
    }
}
