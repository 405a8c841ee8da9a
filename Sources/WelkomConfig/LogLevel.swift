/// The least severe level that is logged; the names are swift-log's, so the agent maps
/// them one to one (this module does not depend on swift-log).
public enum LogLevel: String, Sendable, Equatable, CaseIterable {
    case trace
    case debug
    case info
    case notice
    case warning
    case error
    case critical
}
