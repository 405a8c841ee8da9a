/// What `/healthz` answers: healthy or not, and one line per source saying where it stands.
public struct HealthReport: Sendable, Equatable {
    public var healthy: Bool
    public var lines: [String]

    public init(healthy: Bool, lines: [String]) {
        self.healthy = healthy
        self.lines = lines
    }

    /// `ok` or `unhealthy` on the first line (monitors that read only that keep working), then the lines.
    public var text: String {
        ([healthy ? "ok" : "unhealthy"] + lines).joined(separator: "\n") + "\n"
    }
}
