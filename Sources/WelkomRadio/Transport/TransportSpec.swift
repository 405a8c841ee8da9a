/// Where the radio's HCI stream comes from, parsed in one place from docs/contract.md's spellings:
///
/// - `hci0` … `hciN`: a kernel adapter, opened through its HCI user channel (libbluetooth headers)
/// - `serial:/dev/ttyACM0[@BAUD]`: H4 over a UART or a pty (default 1,000,000 baud)
/// - `tcp:HOST:PORT`: H4 over TCP (`tcp:[::1]:9000` for an IPv6 literal)
/// - `btsnoop:FILE`: replay a capture at its recorded pace, its timestamps as the clock;
///   `btsnoop:FILE@hciN` one controller of a Linux monitor capture (`btmon -w`) that holds several
public enum TransportSpec: Sendable, Hashable, CustomStringConvertible {
    case kernel(device: UInt16)
    case serial(path: String, baud: Int)
    case tcp(host: String, port: UInt16)
    case btsnoop(path: String, index: UInt16? = nil)

    public static let defaultBaud = 1_000_000

    /// Baud rates the serial transport can set (those termios names on Linux).
    public static let supportedBauds: [Int] = [
        9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 500_000, 576_000, 921_600,
        1_000_000, 1_152_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
    ]

    public init(parsing text: String) throws(TransportSpecError) {
        let spec = text.trimmingWhitespace()
        func fail(_ reason: String) -> TransportSpecError { TransportSpecError(spec: text, reason: reason) }

        if spec.hasPrefix("hci") {
            let digits = spec.dropFirst(3)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let n = UInt16(digits) else {
                throw fail("a kernel adapter is hci followed by its number, e.g. hci0")
            }
            self = .kernel(device: n)
        } else if spec.hasPrefix("serial:") {
            var rest = spec.dropFirst("serial:".count)
            var baud = Self.defaultBaud
            if let at = rest.lastIndex(of: "@") {
                let rate = rest[rest.index(after: at)...]
                guard let value = Int(rate), Self.supportedBauds.contains(value) else {
                    throw fail("baud rate '\(rate)' is not one of \(Self.supportedBauds.map(String.init).joined(separator: ", "))")
                }
                baud = value
                rest = rest[..<at]
            }
            guard !rest.isEmpty else { throw fail("serial: needs a device path, e.g. serial:/dev/ttyACM0") }
            self = .serial(path: String(rest), baud: baud)
        } else if spec.hasPrefix("tcp:") {
            let rest = spec.dropFirst("tcp:".count)
            guard let colon = rest.lastIndex(of: ":") else { throw fail("tcp: needs HOST:PORT, e.g. tcp:127.0.0.1:9000") }
            var host = rest[..<colon]
            let portText = rest[rest.index(after: colon)...]
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else { throw fail("tcp: needs a host before the port") }
            guard let port = UInt16(portText), port > 0 else { throw fail("port '\(portText)' is not a number from 1 to 65535") }
            self = .tcp(host: String(host), port: port)
        } else if spec.hasPrefix("btsnoop:") {
            var path = spec.dropFirst("btsnoop:".count)
            var index: UInt16?
            // "@hci" and digits only: a file name with an '@' in it stays a file name.
            if let at = path.lastIndex(of: "@"), path[path.index(after: at)...].hasPrefix("hci") {
                let digits = path[path.index(at, offsetBy: 4)...]
                if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
                    guard let n = UInt16(digits) else { throw fail("the controller index after @hci is not a number from 0 to 65535") }
                    index = n
                    path = path[..<at]
                }
            }
            guard !path.isEmpty else { throw fail("btsnoop: needs a capture file path") }
            self = .btsnoop(path: String(path), index: index)
        } else {
            throw fail("unknown transport")
        }
    }

    /// The canonical spelling, which parses back to the same value.
    public var description: String {
        switch self {
        case .kernel(let n): "hci\(n)"
        case .serial(let path, let baud): baud == Self.defaultBaud ? "serial:\(path)" : "serial:\(path)@\(baud)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .btsnoop(let path, let index): "btsnoop:\(path)" + (index.map { "@hci\($0)" } ?? "")
        }
    }

    /// The live transport for this spec; nil for `btsnoop:`, which is replayed rather than driven.
    public func makeTransport(options: TransportOptions = TransportOptions()) -> (any HCITransport)? {
        switch self {
        case .kernel(let n): KernelHCITransport(device: n, channel: options.kernelChannel)
        case .serial(let path, let baud): SerialTransport(path: path, baud: baud, flowControl: options.flowControl)
        case .tcp(let host, let port): TCPTransport(host: host, port: port)
        case .btsnoop: nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
