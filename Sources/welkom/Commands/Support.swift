import ArgumentParser
import Foundation
import Logging
import WelkomAgent
import WelkomConfig
import WelkomCore

/// sysexits(3) codes docs/contract.md names.
enum Exit {
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let noInput = ExitCode(66)
    static let software = ExitCode(70)
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

/// Loads a config for `run`, `replay` and `doctor`: the given path, else /etc/welkom/welkom.toml
/// when present, else the embedded defaults (recognition off). A bad file exits 78.
func loadConfig(path: String?) throws -> (WelkomConfig, String) {
    let candidate = path ?? (FileManager.default.fileExists(atPath: "/etc/welkom/welkom.toml") ? "/etc/welkom/welkom.toml" : nil)
    guard let candidate else { return (WelkomConfig.defaults, "embedded defaults") }
    do {
        return (try WelkomConfig.load(path: candidate), candidate)
    } catch {
        printError(error.description)
        throw Exit.config
    }
}

/// Options shared by the commands that work on a data directory.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (registry, ledger, key files).", valueName: "DIR"))
    var data: String

    var url: URL { URL(fileURLWithPath: data, isDirectory: true) }

    /// For commands that only read: a mistyped path must not quietly create an empty store
    /// (and `audit verify` must not call an empty ledger intact).
    func existing() throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("\(data): no such data directory")
            throw Exit.noInput
        }
        return url
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
