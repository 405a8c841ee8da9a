import Synchronization
import WelkomRadio
import WelkomTillHub

/// The sources' state for `/healthz`, and their counters for `/metrics`: a source whose `run`
/// threw has stopped for good (the agent carries on without it), and the agent is then unhealthy
/// until restarted. A radio that is only reconnecting (adapter unplugged, powered off) is still
/// healthy: it comes back by itself. A reload (SIGHUP) that stops and starts sources tells it
/// (`replaced`), so both pages describe the sources running now, not those the agent started with.
public final class SourceHealth: Sendable {
    /// What else /healthz reports after the sources (chain mode's sync), asked at each request.
    private let notes: [@Sendable () -> HealthNote]
    private struct State {
        var sources: [any SightingSource]
        var stopped: [String: String] = [:]
        /// The final counters of sources a reload stopped: /metrics' counters never go back.
        var retired = SourceTotals()
    }
    private let state: Mutex<State>

    public init(sources: [any SightingSource], notes: [@Sendable () -> HealthNote] = []) {
        state = Mutex(State(sources: sources))
        self.notes = notes
    }

    /// The sources running now, in the config's order.
    public var sources: [any SightingSource] { state.withLock { $0.sources } }

    /// After a reload: `stopped` are gone (their counters kept in the totals, a stop recorded for
    /// them forgotten), `running` is every source that runs now.
    func replaced(stopped: [any SightingSource], running: [any SightingSource]) {
        state.withLock { s in
            s.retired = s.retired + SourceTotals(sources: stopped)
            for source in stopped { s.stopped[source.name] = nil }
            s.sources = running
        }
    }

    /// Every source's counters, the running ones' and those a reload stopped, for /metrics.
    func totals() -> SourceTotals {
        let (sources, retired) = state.withLock { ($0.sources, $0.retired) }
        return retired + SourceTotals(sources: sources)
    }

    /// Records that `source` stopped for good and returns the log line that says so.
    public func recordStop(_ source: any SightingSource, error: any Error) -> String {
        state.withLock { $0.stopped[source.name] = "\(error)" }
        if source is RadioSource {
            return "source stopped: the radio has stopped for good and the store runs without its radio "
                + "(no one is recognised) until this is fixed and welkom restarted; /healthz answers 503"
        }
        return "source stopped: it stays stopped until welkom is restarted; /healthz answers 503"
    }

    public func report() -> HealthReport {
        let (sources, stopped) = state.withLock { ($0.sources, $0.stopped) }
        var lines: [String] = []
        var healthy = stopped.isEmpty
        for source in sources {
            if let error = stopped[source.name] {
                lines.append("\(source.name): stopped: \(error)")
            } else if let radio = source as? RadioSource {
                switch radio.health {
                case .scanning(let mode): lines.append("\(source.name): scanning (\(mode.rawValue))")
                case .connecting(let error): lines.append("\(source.name): connecting" + (error.map { ": \($0)" } ?? ""))
                case .stopped(let error):
                    healthy = false
                    lines.append("\(source.name): stopped: \(error)")
                }
            } else {
                lines.append("\(source.name): running")
            }
        }
        if sources.isEmpty { lines.append("no sources configured") }
        var degraded = false
        for note in notes.map({ $0() }) {
            lines.append(note.line)
            degraded = degraded || note.degraded
        }
        return HealthReport(healthy: healthy, degraded: degraded, lines: lines)
    }
}

/// A line of /healthz besides the sources', and whether it leaves the agent degraded: still
/// answering 200 (nothing should restart it for this), the first line `degraded` instead of `ok`.
public struct HealthNote: Sendable, Equatable {
    public var line: String
    public var degraded: Bool

    public init(line: String, degraded: Bool) {
        self.line = line
        self.degraded = degraded
    }
}

extension SourceTotals {
    static func + (a: SourceTotals, b: SourceTotals) -> SourceTotals {
        var sum = a
        sum.radio = a.radio + b.radio
        sum.readers.codesRead += b.readers.codesRead
        sum.readers.loyalty += b.readers.loyalty
        sum.readers.invalid += b.readers.invalid
        sum.readers.paymentDropped += b.readers.paymentDropped
        sum.readers.disconnects += b.readers.disconnects
        return sum
    }
}
