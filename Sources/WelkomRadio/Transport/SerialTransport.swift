#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// H4 over a UART (an nRF52840 or similar running an HCI UART firmware) or a pty (Bumble).
/// Opens the device in raw mode at the configured baud and flushes whatever the controller
/// queued before we attached, so the stream starts as close to a packet boundary as possible.
public final class SerialTransport: HCITransport {
    public let path: String
    public let baud: Int
    /// RTS/CTS hardware flow control (`[radio] flow_control`).
    public let flowControl: Bool
    public let name: String
    private let channel: DescriptorChannel

    public init(path: String, baud: Int = TransportSpec.defaultBaud, flowControl: Bool = true) {
        self.path = path
        self.baud = baud
        self.flowControl = flowControl
        self.name = TransportSpec.serial(path: path, baud: baud).description
        self.channel = DescriptorChannel(name: name)
    }

    public func open() throws(TransportError) {
        let fd = path.withCString { systemOpen($0, O_RDWR | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else { throw DescriptorChannel.error(name, "open", errno) }
        var tio = termios()
        guard tcgetattr(fd, &tio) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw code == ENOTTY ? .system(spec: name, operation: "tcgetattr", errno: code, message: "not a serial device or pty")
                                 : DescriptorChannel.error(name, "tcgetattr", code)
        }
        cfmakeraw(&tio)
        tio.c_cflag |= tcflag_t(CLOCAL | CREAD)
        // Zephyr's hci_uart and most HCI UART firmware run with RTS/CTS: without it, a burst of
        // reports at 1 Mbaud overruns the controller's or our UART FIFO and framing breaks.
        #if os(Linux)
        let rtscts = tcflag_t(CRTSCTS)
        #else
        let rtscts = tcflag_t(CRTS_IFLOW | CCTS_OFLOW)
        #endif
        if flowControl { tio.c_cflag |= rtscts } else { tio.c_cflag &= ~rtscts }
        let speed = Self.speed(for: baud)
        cfsetispeed(&tio, speed)
        cfsetospeed(&tio, speed)
        guard tcsetattr(fd, TCSANOW, &tio) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw DescriptorChannel.error(name, "tcsetattr", code)
        }
        // Drop bytes the controller queued while nobody listened: a host attaching mid-stream
        // otherwise starts inside a packet (RadioSource resynchronises on Reset as well).
        tcflush(fd, TCIOFLUSH)
        channel.adopt(fd)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try channel.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) { try channel.write(bytes) }

    public func close() { channel.close() }

    static func speed(for baud: Int) -> speed_t {
        #if os(Linux)
        switch baud {
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
        case 1_152_000: speed_t(B1152000)
        case 1_500_000: speed_t(B1500000)
        case 2_000_000: speed_t(B2000000)
        case 2_500_000: speed_t(B2500000)
        case 3_000_000: speed_t(B3000000)
        case 3_500_000: speed_t(B3500000)
        case 4_000_000: speed_t(B4000000)
        default: speed_t(B1000000)
        }
        #else
        speed_t(baud)  // Darwin takes the rate itself
        #endif
    }
}

@inline(__always) func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, flags)
    #else
    Darwin.open(path, flags)
    #endif
}

/// Creates (or truncates) a file for writing with the given mode.
@inline(__always) func systemCreate(_ path: UnsafePointer<CChar>, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    #else
    Darwin.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    #endif
}
