import Foundation
import XCTest
@testable import WelkomChain

/// A throw-away PostgreSQL cluster on a loopback port (Tests/Tools/pg-cluster.sh): started per
/// test class, removed afterwards. A cluster that cannot start fails the test with the server's log.
final class PostgresCluster: @unchecked Sendable {
    let directory: String
    let adminURL: ChainURL
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/pg-cluster.sh").path

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-pg-\(UUID().uuidString.prefix(8))").path
        let out = try Self.run("start", directory)
        adminURL = try ChainURL(out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stop() throws { _ = try Self.run("stop", directory) }
    func start() throws { _ = try Self.run("start", directory) }
    func remove() { _ = try? Self.run("remove", directory) }

    @discardableResult
    static func run(_ command: String, _ dir: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [script, command, dir]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // Not waitUntilExit: it spins the calling thread's run loop, which XCTest's async tests hold.
        while p.isRunning { usleep(10_000) }
        guard p.terminationStatus == 0 else {
            throw ChainError.unreachable(url: "pg-cluster.sh \(command) \(dir)", reason: "exit \(p.terminationStatus): \(problem)")
        }
        return text
    }
}
