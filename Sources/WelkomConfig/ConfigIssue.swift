/// One thing wrong with a config file, said so that an operator can go straight to it:
/// `FILE:LINE: key: message`, as `welkom config check` prints it (docs/contract.md).
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it (a path, or a label such as "<embedded>").
    public var file: String
    /// 1-based line, when the problem is tied to one place in the file.
    public var line: Int?
    /// The key's path, e.g. `recognition.skew_windows` or `reader[2].till` (the second
    /// `[[reader]]`, counting from 1). Empty when the problem is the file itself.
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE:LINE: key: message`; the line and key parts are left out when unknown.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if !key.isEmpty { s += ": \(key)" }
        return s + ": " + message
    }
}
