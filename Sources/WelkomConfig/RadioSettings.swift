/// `[radio]`: where advertisements come from.
public struct RadioSettings: Sendable, Equatable {
    /// `transport`: an HCI transport spec (design/contract.md): `hci0` (kernel socket),
    /// `serial:/dev/ttyACM0[@BAUD]` (H4 over a UART), `tcp:HOST:PORT` (H4 over TCP),
    /// `btsnoop:FILE` (replay a capture), or empty for no radio. The radio module parses the details; the config
    /// checks only the form, so `welkom config check` catches a misspelt transport.
    public var transport: String
    /// `record`: a btsnoop file to record the radio traffic to; empty = off.
    /// Recording keeps raw advertisements of everyone nearby, so it says so at start.
    public var record: String

    public init(transport: String = "hci0", record: String = "") {
        self.transport = transport
        self.record = record
    }
}

extension RadioSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.string("transport") {
            if let problem = Self.problem(inTransport: v) {
                s.report("transport", problem)
            } else {
                transport = v
            }
        }
        if let v = s.string("record") { record = v }
        s.finish()
    }

    /// Checks the form of a transport spec; nil when it looks right.
    static func problem(inTransport spec: String) -> String? {
        // Empty means no radio: a store that reads only cards.
        if spec.isEmpty { return nil }
        let expected = "expected hciN, serial:PATH[@BAUD], tcp:HOST:PORT or btsnoop:FILE"
        if spec.hasPrefix("hci") {
            let n = spec.dropFirst(3)
            return !n.isEmpty && n.allSatisfy(\.isASCIIDigit) ? nil : "\(expected), found \(TOMLWriter.quoted(spec))"
        }
        if spec.hasPrefix("serial:") {
            let rest = spec.dropFirst("serial:".count)
            let path = rest.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            guard let p = path.first, p.hasPrefix("/") else {
                return "a serial transport needs an absolute device path, as in serial:/dev/ttyACM0"
            }
            if path.count == 2 {
                guard let baud = Int(path[1]), baud > 0 else {
                    return "the baud rate after @ must be a positive number, as in serial:/dev/ttyACM0@1000000"
                }
            }
            return nil
        }
        if spec.hasPrefix("tcp:") {
            guard let colon = spec.lastIndex(of: ":"), colon > spec.index(spec.startIndex, offsetBy: 4),
                  let port = Int(spec[spec.index(after: colon)...]), (1...65535).contains(port)
            else {
                return "a TCP transport needs a host and a port from 1 to 65535, as in tcp:127.0.0.1:9000"
            }
            return nil
        }
        if spec.hasPrefix("btsnoop:") {
            return spec.count > "btsnoop:".count ? nil : "a btsnoop transport needs a file, as in btsnoop:/path/capture.btsnoop"
        }
        return "\(expected), found \(TOMLWriter.quoted(spec))"
    }

    func render(into w: inout TOMLWriter) {
        w.table("radio")
        w.key("transport", transport)
        w.key("record", record)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
