import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A till page as the benchmark sees it: one HTTP connection to the events stream, read on a
/// thread of its own with blocking reads, reporting the moment each `prompt` event arrives.
/// Plain sockets rather than URLSession: on Linux URLSession buffers streamed bodies.
final class SSEClient: @unchecked Sendable {
    // @unchecked: `fd` is written once in init; `pending` and `waiter` only under `lock`.
    private let fd: Int32
    private let lock = NSLock()
    private var pending: [ContinuousClock.Instant] = []
    private var waiter: CheckedContinuation<ContinuousClock.Instant?, Never>?
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

    /// When the next `prompt` event arrived (waits for it); nil once the stream has ended.
    func nextArrival() async -> ContinuousClock.Instant? {
        await withCheckedContinuation { (c: CheckedContinuation<ContinuousClock.Instant?, Never>) in
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

    private func arrived(_ instant: ContinuousClock.Instant?) {
        lock.lock()
        if let w = waiter {
            waiter = nil
            if instant == nil { ended = true }
            lock.unlock()
            w.resume(returning: instant)
            return
        }
        if let instant { pending.append(instant) } else { ended = true }
        lock.unlock()
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readLoop() {
        let marker = Array("event: prompt\n".utf8)
        var window: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            let now = ContinuousClock.now
            window += buffer[0..<n]
            // Count every complete marker; keep a tail that may hold the start of the next one.
            var start = 0
            while let range = Self.find(marker, in: window, from: start) {
                arrived(now)
                start = range
            }
            window = Array(window.suffix(marker.count - 1))
        }
        arrived(nil)
        Glibc.close(fd)
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        for i in from...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i + needle.count
        }
        return nil
    }
}
