/// How log lines are written to stdout (for journald).
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// `key=value` pairs, one line per event.
    case logfmt
    /// One JSON object per line.
    case json
}
