#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WelkomSerial

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
        // Zephyr's hci_uart and most HCI UART firmware run with RTS/CTS: without it, a burst of
        // reports at 1 Mbaud overruns the controller's or our UART FIFO and framing breaks.
        // The flush drops bytes the controller queued while nobody listened: a host attaching
        // mid-stream otherwise starts inside a packet (RadioSource resynchronises on Reset as well).
        let port: SerialPort
        do {
            port = try SerialPort.open(path, SerialPort.Options(baud: baud, flowControl: flowControl))
        } catch {
            throw error.errno == ENOTTY
                ? .system(spec: name, operation: error.operation, errno: error.errno, message: "not a serial device or pty")
                : DescriptorChannel.error(name, error.operation, error.errno)
        }
        channel.adopt(port.fd)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try channel.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) { try channel.write(bytes) }

    public func close() { channel.close() }
}
