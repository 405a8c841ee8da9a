import Foundation
import XCTest

/// Python's `cryptography` package as an independent oracle (Tests/Rigs/crypto_oracle.py), run with
/// the rig Python: `$WELKOM_RIG_PYTHON`, else `.venv/bin/python` at the package root (the Makefile
/// creates it from Tests/Rigs/requirements.txt). If it cannot run, the test fails saying why.
enum CryptoOracle {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var python: String {
        if let env = ProcessInfo.processInfo.environment["WELKOM_RIG_PYTHON"], !env.isEmpty { return env }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// Sends the request lines, returns one answer per line.
    static func ask(_ requests: [String]) throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw OracleError("rig Python '\(python)' does not exist: set WELKOM_RIG_PYTHON or run `make venv`")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [packageRoot.appendingPathComponent("Tests/Rigs/crypto_oracle.py").path]
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-oracle-\(UUID().uuidString).in")
        try Data((requests.joined(separator: "\n") + "\n").utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        p.standardInput = try FileHandle(forReadingFrom: input)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw OracleError("crypto_oracle.py exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == requests.count else {
            throw OracleError("crypto_oracle.py answered \(lines.count) of \(requests.count) requests")
        }
        return lines
    }
}

struct OracleError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
