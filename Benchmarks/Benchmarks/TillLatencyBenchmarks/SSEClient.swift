import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A till page as the benchmark sees it: one HTTP connection to the events stream, read on a
/// thread of its own with blocking reads, reporting the moment each `prompt` event arrives and
/// the prompt's ID (to acknowledge it, as staff would). Other events (`remove`, `reset`) and
/// heartbeats are skipped. Plain sockets rather than URLSession: on Linux URLSession buffers
/// streamed bodies.
final class SSEClient: @unchecked Sendable {
    // @unchecked: `fd` is written once in init; `pending` and `waiter` only under `lock`.
    private let fd: Int32
    private let lock = NSLock()
    private var pending: [Arrival] = []
    private var waiter: CheckedContinuation<Arrival?, Never>?
    private var ended = false

    init(port: Int, path: String, token: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let e = errno
            Glibc.close(fd)
            throw POSIXError(.init(rawValue: e) ?? .ECONNREFUSED)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
            + "Authorization: Bearer \(token)\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        self.fd = fd
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    struct Arrival: Sendable {
        /// When the bytes holding the event were read off the socket.
        var instant: ContinuousClock.Instant
        var promptID: String
    }

    /// The next `prompt` event (waits for it); nil once the stream has ended.
    func nextArrival() async -> Arrival? {
        await withCheckedContinuation { (c: CheckedContinuation<Arrival?, Never>) in
            lock.lock()
            if !pending.isEmpty {
                let first = pending.removeFirst()
                lock.unlock()
                c.resume(returning: first)
            } else if ended {
                lock.unlock()
                c.resume(returning: nil)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }

    private func arrived(_ arrival: Arrival?) {
        lock.lock()
        if let w = waiter {
            waiter = nil
            if arrival == nil { ended = true }
            lock.unlock()
            w.resume(returning: arrival)
            return
        }
        if let arrival { pending.append(arrival) } else { ended = true }
        lock.unlock()
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readLoop() {
        let separator = Array("\n\n".utf8)
        var window: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            let now = ContinuousClock.now
            window += buffer[0..<n]
            // Every complete event (ends in a blank line); an incomplete tail waits for more bytes.
            // The HTTP response head ends in CRLF CRLF, so it never matches and is skipped with the
            // first event's block.
            var start = 0
            while let end = Self.find(separator, in: window, from: start) {
                if let id = Self.promptID(inEvent: window[start..<end]) { arrived(Arrival(instant: now, promptID: id)) }
                start = end + separator.count
            }
            window.removeFirst(start)
        }
        arrived(nil)
        Glibc.close(fd)
    }

    /// The prompt's ID when `block` is a `prompt` event (its `data:` is the prompt as JSON).
    private static func promptID(inEvent block: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: block, as: UTF8.self)
        guard text.contains("event: prompt\n") else { return nil }
        guard let dataLine = text.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
              let object = try? JSONSerialization.jsonObject(with: Data(dataLine.dropFirst(6).utf8)) as? [String: Any],
              let id = object["id"] as? String
        else { return nil }
        return id
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        for i in from...(hay.count - needle.count) where hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }
}
