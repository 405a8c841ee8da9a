import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The display's side of a real pty pair: the pole display under test opens the slave as it
/// would /dev/ttyUSB0, and the test reads every byte it wrote from the master.
final class PseudoTerminal {
    let master: Int32
    let slavePath: String
    /// TIOCSPTLCK and TIOCGPTN (Swift does not import the _IOW macros).
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430

    init() throws {
        let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(fd, Self.setLock, &unlock) == 0, ioctl(fd, Self.getNumber, &number) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw POSIXError(.init(rawValue: e) ?? .EIO)
        }
        master = fd
        slavePath = "/dev/pts/\(number)"
    }

    deinit { _ = Glibc.close(master) }

    /// Reads until `count` bytes arrived or `timeout` passed (a ceiling against hangs; the
    /// bytes are normally there at once). Returns what arrived.
    func read(count: Int, timeout: TimeInterval = 10) -> [UInt8] {
        var out: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 512)
        while out.count < count, Date() < deadline {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            if n > 0 { out += buffer[0..<n] }
        }
        return out
    }

    /// Whatever else arrives within `window`: for asserting that nothing more was written.
    func drain(window: TimeInterval) -> [UInt8] {
        read(count: Int.max, timeout: window)
    }
}
