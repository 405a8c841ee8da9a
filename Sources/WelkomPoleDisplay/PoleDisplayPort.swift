import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The write side of a serial (or USB-serial, or pty) line to a pole display: raw 8N1 at the
/// configured speed, blocking writes of whole commands.
final class PoleDisplayPort {
    private let fd: Int32

    init(path: String, baud: Int) throws(PoleDisplayError) {
        let fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw PoleDisplayError(path: path, operation: "open", errno: errno) }
        self.fd = fd
        var t = termios()
        // A pty or a plain file (tests, a log) has no line settings; only a real tty needs them.
        if isatty(fd) == 1, tcgetattr(fd, &t) == 0 {
            cfmakeraw(&t)
            let speed = Self.speed(baud)
            cfsetispeed(&t, speed)
            cfsetospeed(&t, speed)
            t.c_cflag |= tcflag_t(CLOCAL | CREAD)
            guard tcsetattr(fd, TCSANOW, &t) == 0 else {
                let e = errno
                close(fd)
                throw PoleDisplayError(path: path, operation: "configure", errno: e)
            }
        }
    }

    deinit {
        close(fd)
    }

    func write(_ bytes: [UInt8], path: String) throws(PoleDisplayError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PoleDisplayError(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
    }

    private static func speed(_ baud: Int) -> speed_t {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        case 230400: speed_t(B230400)
        case 460800: speed_t(B460800)
        case 921600: speed_t(B921600)
        default: speed_t(B9600)
        }
    }
}
