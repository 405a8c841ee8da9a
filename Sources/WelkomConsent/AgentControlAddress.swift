import Foundation

/// Where the running agent listens for consent changes: DATA/agent.sock, a Unix socket with mode
/// 0600 in the agent's own 0700 data directory, so only the agent's user (and root) can reach it.
/// A socket path is limited to 107 bytes; a longer data directory is reached through
/// /proc/self/fd/N, a descriptor of the directory held open for the call.
public enum AgentControlAddress {
    public static let fileName = "agent.sock"

    public static func socketURL(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(fileName)
    }

    /// Calls `body` with a path to the socket short enough for `sockaddr_un`.
    public static func withPath<T>(dataDirectory: URL, _ body: (String) throws -> T) throws -> T {
        let full = socketURL(dataDirectory: dataDirectory).path
        if full.utf8.count < 100 { return try body(full) }
        let fd = open(dataDirectory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        return try body("/proc/self/fd/\(fd)/\(fileName)")
    }
}

/// One request and its answer on the control socket, each a JSON line.
public struct AgentControlRequest: Codable, Sendable {
    public var change: ConsentChange
    public init(change: ConsentChange) { self.change = change }
}

public struct AgentControlReply: Codable, Sendable {
    public var applied: Bool
    public var error: String?
    public init(applied: Bool, error: String? = nil) {
        self.applied = applied
        self.error = error
    }
}
