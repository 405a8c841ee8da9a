import Logging
import Synchronization
import WelkomIdentifiers

/// Rate-limits a reader's "unusable code" log lines: at most `burst` a minute, each with its
/// problem; past that one line says the rest of the minute is only counted, and the count goes
/// with the next minute's first line. A scanner pouring out garbage (5,000 lines of noise, a
/// stuck key) would otherwise fill the journal and drown what else the agent has to say. The
/// counters (/metrics) still see every reject.
final class RejectLog: Sendable {
    private struct State {
        var windowStart: ContinuousClock.Instant?
        var logged = 0
        var notLogged = 0
    }

    private let state = Mutex(State())
    let burst: Int
    let window: Duration

    init(burst: Int = 10, window: Duration = .seconds(60)) {
        self.burst = burst
        self.window = window
    }

    private enum Decision { case log(notLoggedBefore: Int), announceLimit, quiet }

    func reject(_ problem: CardCodeProblem, reader: String, logger: Logger, now: ContinuousClock.Instant = .now) {
        let decision: Decision = state.withLock { s in
            if s.windowStart == nil || now - s.windowStart! >= window {
                let before = s.notLogged
                s = State(windowStart: now, logged: 1, notLogged: 0)
                return .log(notLoggedBefore: before)
            }
            if s.logged < burst {
                s.logged += 1
                return .log(notLoggedBefore: 0)
            }
            s.notLogged += 1
            return s.notLogged == 1 ? .announceLimit : .quiet
        }
        switch decision {
        case .log(let before):
            var metadata: Logger.Metadata = ["reader": .string(reader), "problem": .string(problem.description)]
            if before > 0 { metadata["not_logged_last_minute"] = .string("\(before)") }
            logger.warning("card reader sent an unusable code", metadata: metadata)
        case .announceLimit:
            logger.warning("card reader sends many unusable codes; the rest of this minute's are only counted", metadata: [
                "reader": .string(reader), "logged_per_minute": .string("\(burst)"),
            ])
        case .quiet:
            break
        }
    }
}
