import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import WelkomChain

/// A throw-away PostgreSQL cluster on a loopback port (Tests/Tools/pg-cluster.sh): started per
/// test class, removed afterwards. A cluster that cannot start fails the test with the server's log.
final class PostgresCluster: @unchecked Sendable {
    let directory: String
    let adminURL: ChainURL
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/pg-cluster.sh").path

    /// ssl: the cluster serves TLS with a throw-away CA (`tlsFile("ca.crt")`; `other-ca.crt` signed nothing).
    init(ssl: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-pg-\(UUID().uuidString.prefix(8))").path
        let out = try Self.run("start", directory, ssl ? ["--ssl"] : [])
        adminURL = try ChainURL(out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stop() throws { _ = try Self.run("stop", directory) }
    func start() throws { _ = try Self.run("start", directory) }
    func remove() { _ = try? Self.run("remove", directory) }
    func tlsFile(_ name: String) -> String { directory + "/tls/" + name }

    @discardableResult
    static func run(_ command: String, _ dir: String, _ options: [String] = []) throws -> String {
        let log = dir + ".\(command).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let status = spawnShell([script, command, dir] + options, log: log)
        guard status == 0 else {
            let problem = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw ChainError.unreachable(url: "pg-cluster.sh \(command) \(dir)", reason: "exit \(status): \(problem)")
        }
        // The URL from DIR/url, not a pipe: the server the script starts could hold a pipe open.
        return command == "start" ? ((try? String(contentsOfFile: dir + "/url", encoding: .utf8)) ?? "") : ""
    }
}

/// Runs /bin/sh SCRIPT ARGS… with stdout to /dev/null and stderr to `log`; returns its exit status.
/// posix_spawn and waitpid rather than Foundation's Process: on Linux, Process learns of the exit
/// on a run loop that an async test or an async main never turns, and waits forever.
func spawnShell(_ arguments: [String], log: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/sh"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
