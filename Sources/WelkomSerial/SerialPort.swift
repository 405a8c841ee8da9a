#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open serial line (a UART, a USB-serial adapter, a CDC-ACM device, a pty) in raw 8N1 mode:
/// the one termios opener the radio's H4 transport, the serial card scanners and the pole
/// displays share. None of the packages in Package.swift opens a tty, and each of them needs
/// only open, raw mode, a speed, optional RTS/CTS and a flush — so it is written by hand, once.
///
/// The caller owns `fd` and closes it with `close()`.
public struct SerialPort: Sendable {
    public let path: String
    public let fd: Int32

    /// How to open the line.
    public struct Options: Sendable, Equatable {
        public var baud: Int
        /// RTS/CTS hardware flow control; off clears it rather than inheriting the tty's setting.
        public var flowControl: Bool
        /// O_NONBLOCK, for readers that poll the descriptor themselves.
        public var nonBlocking: Bool
        /// Accept a descriptor that is not a terminal (a plain file standing in for a display in
        /// tests) and leave it as it is; otherwise such a path is an error (ENOTTY).
        public var allowsNonTerminal: Bool

        public init(baud: Int, flowControl: Bool = false, nonBlocking: Bool = false, allowsNonTerminal: Bool = false) {
            self.baud = baud
            self.flowControl = flowControl
            self.nonBlocking = nonBlocking
            self.allowsNonTerminal = allowsNonTerminal
        }
    }

    /// The rates termios can set (on Linux each is a named constant, not a number).
    public static let supportedBauds: [Int] = [
        1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 500_000, 576_000, 921_600,
        1_000_000, 1_152_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
    ]

    /// termios' value for `baud`; nil for a rate it cannot set (never a silent substitute).
    public static func speed(for baud: Int) -> speed_t? {
        #if os(Linux)
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115_200: speed_t(B115200)
        case 230_400: speed_t(B230400)
        case 460_800: speed_t(B460800)
        case 500_000: speed_t(B500000)
        case 576_000: speed_t(B576000)
        case 921_600: speed_t(B921600)
        case 1_000_000: speed_t(B1000000)
        case 1_152_000: speed_t(B1152000)
        case 1_500_000: speed_t(B1500000)
        case 2_000_000: speed_t(B2000000)
        case 2_500_000: speed_t(B2500000)
        case 3_000_000: speed_t(B3000000)
        case 3_500_000: speed_t(B3500000)
        case 4_000_000: speed_t(B4000000)
        default: nil
        }
        #else
        supportedBauds.contains(baud) ? speed_t(baud) : nil  // Darwin takes the rate itself
        #endif
    }

    /// Opens `path` (O_NOCTTY, so a tty never becomes our controlling terminal; O_CLOEXEC),
    /// sets raw 8N1 at `options.baud` with or without RTS/CTS, and drops whatever was queued
    /// before anyone listened (a controller's or scanner's bytes from mid-packet or mid-code).
    public static func open(_ path: String, _ options: Options) throws(SerialPortError) -> SerialPort {
        guard let speed = speed(for: options.baud) else {
            throw SerialPortError(path: path, operation: "set \(options.baud) baud", errno: EINVAL)
        }
        let flags = O_RDWR | O_NOCTTY | O_CLOEXEC | (options.nonBlocking ? O_NONBLOCK : 0)
        let fd = path.withCString { systemOpen($0, flags) }
        guard fd >= 0 else { throw SerialPortError(path: path, operation: "open", errno: errno) }
        if options.allowsNonTerminal && isatty(fd) != 1 {
            return SerialPort(path: path, fd: fd)
        }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else {
            let code = errno
            systemClose(fd)
            throw SerialPortError(path: path, operation: "tcgetattr", errno: code)
        }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        t.c_cflag &= ~tcflag_t(CSTOPB)
        #if os(Linux)
        let rtscts = tcflag_t(CRTSCTS)
        #else
        let rtscts = tcflag_t(CRTS_IFLOW | CCTS_OFLOW)
        #endif
        if options.flowControl { t.c_cflag |= rtscts } else { t.c_cflag &= ~rtscts }
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        guard tcsetattr(fd, TCSANOW, &t) == 0 else {
            let code = errno
            systemClose(fd)
            throw SerialPortError(path: path, operation: "tcsetattr", errno: code)
        }
        _ = tcflush(fd, TCIOFLUSH)
        return SerialPort(path: path, fd: fd)
    }

    public func close() { systemClose(fd) }
}

/// Why a serial line could not be opened: the path, the call that failed and the system's reason.
public struct SerialPortError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        var text = "\(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        if errno == ENOTTY { text += "; not a serial device or pty" }
        return text
    }
}

// `SerialPort.open`/`close` shadow the C functions inside the type.
private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, flags)
    #elseif canImport(Musl)
    Musl.open(path, flags)
    #else
    Darwin.open(path, flags)
    #endif
}

private func systemClose(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Musl)
    _ = Musl.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
