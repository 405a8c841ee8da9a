/// A byte pipe to a controller carrying H4-framed HCI packets (one type byte, then the packet).
///
/// Reads block for at most `timeoutMilliseconds` so that the reader thread can notice a stop
/// request; `RadioSource` runs them on a dedicated thread, never on the concurrency pool.
/// Implementations are safe to `write` from one thread while another `read`s.
public protocol HCITransport: AnyObject, Sendable {
    /// The spec, for log lines and errors ("serial:/dev/ttyACM0").
    var name: String { get }
    func open() throws(TransportError)
    /// Reads what is available into `buffer`; 0 when nothing came within the timeout.
    /// Throws `.closed` when the peer went away.
    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int
    /// Writes all of `bytes` (an H4-framed packet).
    func write(_ bytes: [UInt8]) throws(TransportError)
    /// Idempotent.
    func close()
    /// True when the controller is shared with the kernel (a raw HCI socket): the driver then
    /// neither resets it nor changes its event masks. False for UART, TCP and the user channel.
    var isShared: Bool { get }
}

extension HCITransport {
    public var isShared: Bool { false }
}
