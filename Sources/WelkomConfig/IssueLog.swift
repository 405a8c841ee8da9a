/// Collects the issues found while reading one file, each placed on its line, so that
/// reading goes on after the first problem and the operator sees them all at once.
/// A class because every section reader of one file adds to the same list.
final class IssueLog {
    let file: String
    let locator: KeyLocator
    private(set) var issues: [ConfigIssue] = []

    init(file: String, locator: KeyLocator) {
        self.file = file
        self.locator = locator
    }

    /// An issue about `path`, placed on the line where it (or its enclosing table) was written.
    func add(_ path: String, _ message: String) {
        add(path, line: locator.line(of: path), message)
    }

    func add(_ path: String, line: Int?, _ message: String) {
        issues.append(ConfigIssue(file: file, line: line, key: path, message: message))
    }

    /// File order, so the list reads top to bottom; issues without a line last.
    var sortedIssues: [ConfigIssue] {
        issues.enumerated().sorted { a, b in
            switch (a.element.line, b.element.line) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }
}
