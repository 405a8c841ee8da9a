/// Why a config was refused: every issue found, not just the first, so one run of
/// `welkom config check` shows the operator everything to fix.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// In file order (issues without a line last).
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One `FILE:LINE: key: message` line per issue.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
