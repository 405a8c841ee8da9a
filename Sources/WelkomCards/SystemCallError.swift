#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open serial line (a CDC-ACM scanner's /dev/ttyACM0, a USB-serial adapter, a pty) in raw
/// mode. Written with termios by hand: none of the packages in Package.swift opens a tty, and
/// a scanner needs only open, raw mode, speed and non-blocking reads.
struct SerialPort {
    let fd: Int32

    /// Speeds a scanner may be set to. termios takes constants, not numbers.
    static func speed(for baud: Int) -> speed_t? {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        case 230400: speed_t(B230400)
        default: nil
        }
    }

    static let supportedBauds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400]

    /// Opens `path` non-blocking, sets raw 8N1 at `speed` without flow control, and drops
    /// whatever arrived before anyone listened (likely the tail of a code).
    static func open(path: String, speed: speed_t) throws(SerialPortError) -> SerialPort {
        let fd = path.withCString { Self.sysOpen($0, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { throw SerialPortError(operation: "open", errno: errno) }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else {
            let e = errno
            Self.sysClose(fd)
            throw SerialPortError(operation: "tcgetattr (not a terminal?)", errno: e)
        }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        t.c_cflag &= ~tcflag_t(CSTOPB)
        #if os(Linux)
        t.c_cflag &= ~tcflag_t(CRTSCTS)
        #endif
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        guard tcsetattr(fd, TCSANOW, &t) == 0 else {
            let e = errno
            Self.sysClose(fd)
            throw SerialPortError(operation: "tcsetattr", errno: e)
        }
        _ = tcflush(fd, TCIFLUSH)
        return SerialPort(fd: fd)
    }

    func close() { Self.sysClose(fd) }

    private static func sysOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags)
        #elseif canImport(Musl)
        Musl.open(path, flags)
        #else
        Darwin.open(path, flags)
        #endif
    }

    private static func sysClose(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #elseif canImport(Musl)
        _ = Musl.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }
}

/// Why a serial line could not be opened or read: the operation and the system's reason.
struct SerialPortError: Error, CustomStringConvertible, Equatable {
    var operation: String
    var errno: Int32

    var description: String { "\(operation): \(String(cString: strerror(errno))) (errno \(errno))" }
}
