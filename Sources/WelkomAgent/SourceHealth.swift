import Synchronization
import WelkomRadio
import WelkomTillHub

/// The sources' state for `/healthz`: a source whose `run` threw has stopped for good (the agent
/// carries on without it), and the agent is then unhealthy until restarted. A radio that is only
/// reconnecting (adapter unplugged, powered off) is still healthy: it comes back by itself.
public final class SourceHealth: Sendable {
    private let sources: [any SightingSource]
    private let stopped = Mutex<[String: String]>([:])

    public init(sources: [any SightingSource]) {
        self.sources = sources
    }

    /// Records that `source` stopped for good and returns the log line that says so.
    public func recordStop(_ source: any SightingSource, error: any Error) -> String {
        stopped.withLock { $0[source.name] = "\(error)" }
        if source is RadioSource {
            return "source stopped: the radio has stopped for good and the store runs without its radio "
                + "(no one is recognised) until this is fixed and welkom restarted; /healthz answers 503"
        }
        return "source stopped: it stays stopped until welkom is restarted; /healthz answers 503"
    }

    public func report() -> HealthReport {
        let stopped = self.stopped.withLock { $0 }
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
        return HealthReport(healthy: healthy, lines: lines)
    }
}
