import Synchronization

/// Counts the till listener's open connections, in all and per client address, and says
/// whether one more may stay open. Idle sockets once exhausted the agent's file descriptors
/// (1,100 from one client); with a cap per client one address holds at most its share, and the
/// total cap keeps the agent below its descriptor limit (LimitNOFILE) whoever connects.
public final class ConnectionLimiter: Sendable {
    public let maxTotal: Int
    public let maxPerClient: Int
    private let state = Mutex(State())

    private struct State {
        var total = 0
        var perClient: [String: Int] = [:]
        var refused = 0
    }

    public init(maxTotal: Int, maxPerClient: Int) {
        self.maxTotal = max(1, maxTotal)
        self.maxPerClient = max(1, maxPerClient)
    }

    /// Counts a new connection from `client` in, or refuses it (then nothing is counted and
    /// `release` must not be called for it).
    public func admit(_ client: String) -> Bool {
        let key = PairingAttempts.key(client)
        return state.withLock { s in
            let mine = s.perClient[key, default: 0]
            guard s.total < maxTotal, mine < maxPerClient else {
                s.refused += 1
                return false
            }
            s.total += 1
            s.perClient[key] = mine + 1
            return true
        }
    }

    /// An admitted connection from `client` has closed.
    public func release(_ client: String) {
        let key = PairingAttempts.key(client)
        state.withLock { s in
            guard let mine = s.perClient[key] else { return }
            s.total -= 1
            s.perClient[key] = mine > 1 ? mine - 1 : nil
        }
    }

    /// Open connections now, and how many were refused since the start.
    public var counts: (open: Int, clients: Int, refused: Int) {
        state.withLock { ($0.total, $0.perClient.count, $0.refused) }
    }
}
