#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Lets a task cancel a thread blocked in poll(): the thread polls the read end beside its
/// device, `signal()` makes it readable. Signal and close share a lock so a late cancel never
/// writes into a descriptor number that was closed and reused.
final class WakePipe: @unchecked Sendable {
    private let lock = NSLock()
    private var readFD: Int32 = -1
    private var writeFD: Int32 = -1

    init() throws(SerialPortError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SerialPortError(operation: "pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    /// The descriptor to poll for POLLIN.
    var fd: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return readFD
    }

    func signal() {
        lock.lock()
        defer { lock.unlock() }
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Waits up to `milliseconds` for a signal. True if signalled.
    func wait(milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&p, 1, milliseconds)
            if r < 0, errno == EINTR { continue }
            return r > 0
        }
    }

    var isSignalled: Bool { wait(milliseconds: 0) }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        if readFD >= 0 { _ = Foundation.close(readFD) }
        if writeFD >= 0 { _ = Foundation.close(writeFD) }
        readFD = -1
        writeFD = -1
    }
}
