import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WelkomStorage

/// The CLI's side of the control socket: sends a consent change to the agent running on the
/// same data directory and waits until the agent says it is applied. Nobody listening (no
/// socket, or a socket left by an agent that died) means no agent runs.
public struct AgentControlClient: AgentLink {
    public let dataDirectory: URL
    /// How long an agent may take to apply a change (a reload of a large registry takes seconds).
    public var timeoutSeconds: Int

    public init(dataDirectory: URL, timeoutSeconds: Int = 30) {
        self.dataDirectory = dataDirectory
        self.timeoutSeconds = timeoutSeconds
    }

    public enum Failure: Error, CustomStringConvertible {
        case notConfirmed(String)
        public var description: String {
            switch self { case let .notConfirmed(reason): "the running agent did not confirm the change: \(reason)" }
        }
    }

    public func apply(_ change: ConsentChange) async throws -> AgentNotice {
        let request = try JSONEncoder().encode(AgentControlRequest(change: change)) + Data("\n".utf8)
        let (dir, timeout) = (dataDirectory, timeoutSeconds)
        return try await BlockingIO.run { try Self.exchange(request, dataDirectory: dir, timeoutSeconds: timeout) }
    }

    /// Whether an agent listens on the data directory's socket: a connection alone, no request
    /// (an agent busy loading a large registry still accepts it).
    public static func agentIsListening(dataDirectory: URL) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return (try? connect(fd, dataDirectory: dataDirectory)) == 0
    }

    private static func connect(_ fd: Int32, dataDirectory: URL) throws -> Int32 {
        try AgentControlAddress.withPath(dataDirectory: dataDirectory) { path in
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, b) in bytes.prefix(raw.count - 1).enumerated() { raw[i] = b }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
    }

    private static func exchange(_ request: Data, dataDirectory: URL, timeoutSeconds: Int) throws -> AgentNotice {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.notConfirmed("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = try connect(fd, dataDirectory: dataDirectory)
        if connected != 0 {
            let code = errno
            if code == ENOENT || code == ECONNREFUSED { return .noAgentRunning }
            throw Failure.notConfirmed("cannot reach \(AgentControlAddress.socketURL(dataDirectory: dataDirectory).path): \(String(cString: strerror(code)))")
        }
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw Failure.notConfirmed("the request could not be sent") }
        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 512)
        while !reply.contains(0x0A) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { reply += buffer[0..<n]; continue }
            if n == 0 { throw Failure.notConfirmed("the agent closed the connection without an answer") }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.notConfirmed("no answer within \(timeoutSeconds) s") }
            throw Failure.notConfirmed("reading the answer: \(String(cString: strerror(errno)))")
        }
        let line = reply.prefix { $0 != 0x0A }
        guard let answer = try? JSONDecoder().decode(AgentControlReply.self, from: Data(line)) else {
            throw Failure.notConfirmed("an answer that is not a reply")
        }
        guard answer.applied else { throw Failure.notConfirmed(answer.error ?? "refused") }
        return .applied
    }
}
