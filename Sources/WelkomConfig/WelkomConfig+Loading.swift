#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WelkomConfig {
    /// A config is a few kilobytes; anything far larger is the wrong file (or /dev/zero),
    /// and reading it whole would only waste memory.
    public static let maximumFileSize = 1 << 20

    /// Reads, parses and checks the file at `path`. A file that cannot be read, is not
    /// UTF-8 text, or is far too large gives a `ConfigError` naming the file and the reason.
    public static func load(path: String) throws(ConfigError) -> WelkomConfig {
        let bytes: [UInt8]
        switch readFile(path) {
        case .success(let b): bytes = b
        case .failure(let problem):
            throw ConfigError(issues: [ConfigIssue(file: path, line: nil, key: "", message: problem.message)])
        }
        switch decodeUTF8(bytes) {
        case .success(let text):
            return try parse(text, file: path)
        case .failure(let problem):
            throw ConfigError(issues: [ConfigIssue(file: path, line: problem.line, key: "", message: problem.message)])
        }
    }

    struct FileProblem: Error {
        var line: Int? = nil
        var message: String
    }

    /// The file's bytes, with the reason in the OS's words when it cannot be read.
    static func readFile(_ path: String) -> Result<[UInt8], FileProblem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileProblem(message: "cannot open: \(errorText(errno))")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileProblem(message: "cannot read: \(errorText(errno))"))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > maximumFileSize {
                return .failure(FileProblem(message: "larger than \(maximumFileSize / 1024) KiB: this is not a config file (is it the right file?)"))
            }
        }
    }

    /// UTF-8 text, or where the first byte that is not UTF-8 is (binary garbage, or another encoding).
    static func decodeUTF8(_ bytes: [UInt8]) -> Result<String, FileProblem> {
        var line = 1
        var column = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                break loop
            case .error:
                return .failure(FileProblem(line: line, message: "not UTF-8 text (invalid byte at column \(column)): is it the right file?"))
            }
        }
        return .success(String(scalars))
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
