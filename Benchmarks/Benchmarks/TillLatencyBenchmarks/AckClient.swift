import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Staff at the till as the benchmark plays them: acknowledges prompts over HTTP the way the till
/// page does (`POST /till/{id}/prompts/{prompt}/ack` with the pairing's token), on one keep-alive
/// connection and a thread of its own, so the acknowledgements reach the hub while the next
/// sighting is on its way. Each one waits a random 0–2 ms first, so acknowledgements land at every
/// phase of a sighting's path (recogniser, ledger group commit, hub) rather than at one.
final class AckClient: @unchecked Sendable {
    // @unchecked: `queue`, `stopped` and the tallies only under `condition`; `fd` only on the thread.
    private let condition = NSCondition()
    private var queue: [String] = []
    private var stopped = false
    private var statuses: [Int: Int] = [:]
    private var roundTrips: [Duration] = []
    private let port: Int
    private let till: String
    private let token: String
    private var fd: Int32 = -1

    init(port: Int, till: String, token: String) {
        self.port = port
        self.till = till
        self.token = token
        let thread = Thread { [self] in loop() }
        thread.start()
    }

    /// Acknowledges `promptID` soon, without waiting for it.
    func acknowledge(_ promptID: String) {
        condition.lock()
        queue.append(promptID)
        condition.signal()
        condition.unlock()
    }

    struct Tally: Sendable {
        /// Answers by HTTP status (0: no answer, the connection failed).
        var statuses: [Int: Int]
        /// From sending the POST to reading its answer.
        var roundTrips: [Duration]
    }

    /// What was answered so far; resets the tally (one benchmark's worth at a time).
    func takeTally() -> Tally {
        condition.lock()
        defer { statuses = [:]; roundTrips = []; condition.unlock() }
        return Tally(statuses: statuses, roundTrips: roundTrips)
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        var rng = SystemRandomNumberGenerator()
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if stopped { condition.unlock(); break }
            let promptID = queue.removeFirst()
            condition.unlock()
            usleep(UInt32.random(in: 0...2000, using: &rng))
            let started = ContinuousClock.now
            let status = post(promptID)
            let took = ContinuousClock.now - started
            condition.lock()
            statuses[status, default: 0] += 1
            if status != 0 { roundTrips.append(took) }
            condition.unlock()
        }
        if fd >= 0 { Glibc.close(fd) }
    }

    /// One POST and its answer's status; reconnects once if the kept-alive connection was closed.
    private func post(_ promptID: String) -> Int {
        for _ in 0..<2 {
            if fd < 0 { fd = Self.connect(port: port) }
            guard fd >= 0 else { return 0 }
            let request = "POST /till/\(till)/prompts/\(promptID)/ack HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
                + "Authorization: Bearer \(token)\r\nContent-Length: 0\r\n\r\n"
            let sent = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            if sent > 0, let status = readResponse() { return status }
            Glibc.close(fd)
            fd = -1
        }
        return 0
    }

    /// Reads one response (head and a Content-Length body) off the connection; nil if it closed.
    private func readResponse() -> Int? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let blank = Array("\r\n\r\n".utf8)
        while true {
            if let headEnd = Self.index(of: blank, in: bytes) {
                let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                guard let statusLine = lines.first else { return nil }
                let parts = statusLine.split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
                let length = lines.dropFirst().compactMap { line -> Int? in
                    let pair = line.split(separator: ":", maxSplits: 1)
                    guard pair.count == 2, pair[0].lowercased() == "content-length" else { return nil }
                    return Int(pair[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                while bytes.count < headEnd + blank.count + length {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { return nil }
                    bytes += buffer[0..<n]
                }
                return status
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            bytes += buffer[0..<n]
        }
    }

    private static func index(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    private static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(fd); return -1 }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}
