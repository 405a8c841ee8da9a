import Foundation
import Synchronization
import XCTest

/// Starts Tests/Rigs/*.py with the project's rig Python: `$WELKOM_RIG_PYTHON`, else `.venv/bin/python`
/// at the package root (the Makefile creates it with bumble and cryptography). A rig that cannot
/// start fails the test with its stderr; there is no skipping.
final class BumbleRig {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String {
        if let env = ProcessInfo.processInfo.environment["WELKOM_RIG_PYTHON"], !env.isEmpty { return env }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func script(_ name: String) -> String { packageRoot.appendingPathComponent("Tests/Rigs/\(name)").path }

    let process = Process()
    private let output = LineBuffer()
    private let errorFile: URL

    /// Starts `script` with `arguments` and waits (up to `timeout`) for a stdout line starting with `marker`.
    init(script: String, arguments: [String], waitFor marker: String, timeout: TimeInterval = 60) throws {
        let python = Self.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw RigError("rig Python '\(python)' does not exist: set WELKOM_RIG_PYTHON or create .venv (pip install bumble cryptography)")
        }
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-rig-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script(script)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let buffer = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { buffer.append(data) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while !output.contains(linePrefix: marker) {
            if !process.isRunning {
                throw RigError("\(script) exited with \(process.terminationStatus) before \(marker): \(stderr)")
            }
            if Date() > deadline {
                stop()
                throw RigError("\(script) did not print \(marker) within \(Int(timeout)) s: \(stderr)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    var stderr: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Everything the rig printed on stdout so far.
    var stdout: String { output.text }

    /// SIGTERM (the rig removes its pty link and exits 0), then wait.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: errorFile)
        return process.terminationStatus
    }

    /// Runs a rig to completion (the capture rig) and returns its stdout.
    static func runToCompletion(script: String, arguments: [String], timeout: TimeInterval = 120) throws -> String {
        let rig = try BumbleRig(script: script, arguments: arguments, waitFor: "WROTE", timeout: timeout)
        rig.process.waitUntilExit()
        guard rig.process.terminationStatus == 0 else { throw RigError("\(script) exited \(rig.process.terminationStatus): \(rig.stderr)") }
        return rig.output.text
    }
}

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

final class LineBuffer: Sendable {
    private let data = Mutex(Data())
    func append(_ d: Data) { data.withLock { $0.append(d) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    func contains(linePrefix: String) -> Bool { text.split(separator: "\n").contains { $0.hasPrefix(linePrefix) } }
}
