import ArgumentParser
import Foundation
import Logging
import WelkomAgent
import WelkomConfig
import WelkomCore
import WelkomStorage

/// sysexits(3) codes docs/contract.md names.
enum Exit {
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let software = ExitCode(70)
    static let cantCreate = ExitCode(73)
    static let ioError = ExitCode(74)
    static let config = ExitCode(78)
}

/// Prints to standard error, for messages that must not mix with a command's output.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// swift-log allows one bootstrap per process; each command calls this once.
func bootstrapLogging(format: String = "logfmt", level: String = "info", toStdout: Bool) -> Logger {
    let fmt = LogfmtLogHandler.Format(rawValue: format) ?? .logfmt
    let lvl = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        LogfmtLogHandler(label: label, format: fmt, level: lvl, stream: toStdout ? .stdout : .stderr)
    }
    return Logger(label: "welkom")
}

/// The config every command reads when given none: /etc/welkom/welkom.toml, or what the
/// WELKOM_CONFIG environment variable names (a test, or a second install on one machine).
var defaultConfigPath: String {
    if let path = ProcessInfo.processInfo.environment["WELKOM_CONFIG"], !path.isEmpty { return path }
    return "/etc/welkom/welkom.toml"
}

/// Loads a config for `run`, `replay`, `doctor`, `till` and `config check`: the given path, else
/// the default path (above) when present, else the embedded defaults (recognition off). A bad
/// file exits 78.
func loadConfig(path: String?) throws -> (WelkomConfig, String) {
    let candidate = path ?? (FileManager.default.fileExists(atPath: defaultConfigPath) ? defaultConfigPath : nil)
    guard let candidate else { return (WelkomConfig.defaults, "embedded defaults") }
    do {
        return (try WelkomConfig.load(path: candidate), candidate)
    } catch {
        printError(error.description)
        throw Exit.config
    }
}

/// Before a command writes to a data directory: refused (exit 73, one line per problem with its
/// fix) unless it is ours alone (DataDirectory: invariant 9).
/// Creates it (0700) when missing, as the stores would.
func requireWritableDataDirectory(_ url: URL) throws {
    do { try DataDirectory.prepare(url) } catch {
        printError("refusing to write to the data directory \(error.directory):")
        for problem in error.problems { printError("  \(problem)") }
        throw Exit.cantCreate
    }
}

/// Before a command reads a data directory: a system directory (/, /etc …) is refused (exit 64).
func refuseSystemDirectory(_ url: URL) throws {
    for problem in DataDirectory.check(url, forWriting: false) {
        printError("\(problem)")
        throw Exit.usage
    }
}

/// Options shared by the commands that work on a data directory.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (registry, ledger, key files).", valueName: "DIR"))
    var data: String

    private var path: URL { URL(fileURLWithPath: data, isDirectory: true) }

    /// The directory for a command that writes (`consent enroll`, `consent import`): refused
    /// here, before anything is opened, unless it is ours alone (invariant 9) — each problem
    /// on stderr with its fix, exit 73 (EX_CANTCREAT).
    var url: URL {
        do { return try writable() } catch {
            Foundation.exit((error as? ExitCode)?.rawValue ?? Exit.cantCreate.rawValue)
        }
    }

    /// A system directory (/, /etc …) is refused at parsing, for reading too.
    func validate() throws {
        if let problem = DataDirectory.check(path, forWriting: false).first {
            throw ValidationError("--data \(data): \(problem.what); \(problem.fix)")
        }
    }

    /// For commands that only read: a mistyped path must not quietly create an empty store
    /// (and `audit verify` must not call an empty ledger intact).
    func existing() throws -> URL {
        try refuseSystemDirectory(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("\(data): no such data directory")
            throw Exit.noInput
        }
        return path
    }

    /// For commands that write: the directory must be ours alone (exit 73 otherwise).
    func writable() throws -> URL {
        try refuseSystemDirectory(path)
        try requireWritableDataDirectory(path)
        return path
    }
}

extension Date {
    var rfc3339: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: self)
    }
}

/// A JSON string literal, or null.
func jsonQuote(_ s: String?) -> String { JSONText.quoted(s) }
