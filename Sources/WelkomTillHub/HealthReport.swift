/// What `/healthz` answers: healthy or not, and one line per source saying where it stands.
public struct HealthReport: Sendable, Equatable {
    public var healthy: Bool
    /// Healthy but working around something (chain mode with its database unreachable): still 200,
    /// so nothing restarts the agent for it, but the first line says `degraded`, so a monitor that
    /// reads the body alerts.
    public var degraded: Bool
    public var lines: [String]

    public init(healthy: Bool, degraded: Bool = false, lines: [String]) {
        self.healthy = healthy
        self.degraded = degraded
        self.lines = lines
    }

    /// `ok`, `degraded` or `unhealthy` on the first line (monitors that read only that keep
    /// working), then the lines.
    public var text: String {
        ([healthy ? (degraded ? "degraded" : "ok") : "unhealthy"] + lines).joined(separator: "\n") + "\n"
    }
}
