#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Lets a task cancel a thread blocked in poll(): the thread polls the read end beside its
/// device, `signal()` makes it readable. Signal and close share a lock so a late cancel never
/// writes into a descriptor number that was closed and reused.
final class WakePipe: Sendable {
    private struct Ends {
        var read: Int32
        var write: Int32
    }
    private let ends: Mutex<Ends>

    init() throws(SystemCallError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemCallError(operation: "pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        ends = Mutex(Ends(read: fds[0], write: fds[1]))
    }

    /// The descriptor to poll for POLLIN.
    var fd: Int32 {
        ends.withLock { $0.read }
    }

    func signal() {
        ends.withLock { ends in
            guard ends.write >= 0 else { return }
            var byte: UInt8 = 1
            _ = write(ends.write, &byte, 1)
        }
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
        ends.withLock { ends in
            if ends.read >= 0 { _ = Foundation.close(ends.read) }
            if ends.write >= 0 { _ = Foundation.close(ends.write) }
            ends = Ends(read: -1, write: -1)
        }
    }
}
