/// `[radio]`: where advertisements come from.
public struct RadioSettings: Sendable, Equatable {
    /// `transport`: an HCI transport spec (docs/contract.md): `hci0` (kernel socket),
    /// `serial:/dev/ttyACM0[@BAUD]` (H4 over a UART), `tcp:HOST:PORT` (H4 over TCP),
    /// `btsnoop:FILE` (replay a capture), or empty for no radio. The radio module parses the details; the config
    /// checks only the form, so `welkom config check` catches a misspelt transport.
    public var transport: String
    /// `record`: a btsnoop file to record the radio traffic to; empty = off. Every receiver is
    /// recorded, each to its own file (`recordPath(forReceiver:)`), since a capture is one
    /// controller's H4 stream. Recording keeps raw advertisements of everyone nearby, so it says so at start.
    public var record: String
    /// `record_format`: h4 (btsnoop datalink 1002) or monitor (2001, as `btmon -w` writes). Default h4.
    public var recordFormat: RecordFormat
    /// `name`: what zones call the receiver behind `transport` (`[[zone]] receiver`). Default "radio".
    public var name: String
    /// `flow_control`: RTS/CTS hardware flow control on serial transports. Zephyr's hci_uart
    /// expects it on a real UART; a USB CDC-ACM dongle and a pty ignore it. Default true.
    public var flowControl: Bool
    /// `kernel_channel`: how an `hciN` transport opens the adapter. Default raw.
    public var kernelChannel: KernelChannel
    /// `[[radio.receiver]]`: further receivers (one more controller per till, say), each with
    /// its own name and transport; the same options apply to each. None by default.
    public var receivers: [ReceiverSettings]

    public static let defaultName = "radio"

    public init(transport: String = "hci0", record: String = "", name: String = RadioSettings.defaultName,
                flowControl: Bool = true, kernelChannel: KernelChannel = .raw, receivers: [ReceiverSettings] = [],
                recordFormat: RecordFormat = .h4) {
        self.transport = transport
        self.record = record
        self.recordFormat = recordFormat
        self.name = name
        self.flowControl = flowControl
        self.kernelChannel = kernelChannel
        self.receivers = receivers
    }

    /// Where `record` puts the capture of the receiver called `name`: `[radio]` itself records to
    /// `record` as written; a `[[radio.receiver]]` to the same path with its name inserted before
    /// the extension (`radio.btsnoop` → `radio.till2.btsnoop`; without an extension, appended).
    /// Receiver names are unique and hold only letters, digits, '.', '_' and '-', so the files are
    /// distinct and stay in `record`'s directory. Nil when recording is off or no receiver is so called.
    public func recordPath(forReceiver receiver: String) -> String? {
        guard !record.isEmpty else { return nil }
        if !transport.isEmpty && receiver == name { return record }
        guard receivers.contains(where: { $0.name == receiver }) else { return nil }
        let slash = record.lastIndex(of: "/").map { record.index(after: $0) } ?? record.startIndex
        // A dot that starts the file name (".capture") marks a hidden file, not an extension.
        if let dot = record[slash...].lastIndex(of: "."), dot > slash {
            return "\(record[..<dot]).\(receiver)\(record[dot...])"
        }
        return "\(record).\(receiver)"
    }

    /// Every receiver the config names: `[radio]` itself (unless its transport is empty), then
    /// each `[[radio.receiver]]`.
    public var allReceivers: [ReceiverSettings] {
        (transport.isEmpty ? [] : [ReceiverSettings(name: name, transport: transport)]) + receivers
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
        if let v = s.choice("record_format", of: RecordFormat.self) { recordFormat = v }
        if let v = s.string("name") {
            if let problem = ReceiverSettings.problem(inName: v) { s.report("name", problem) } else { name = v }
        }
        if let v = s.bool("flow_control") { flowControl = v }
        if let v = s.choice("kernel_channel", of: KernelChannel.self) { kernelChannel = v }
        if let sections = s.tables("receiver") {
            var names: Set<String> = transport.isEmpty ? [] : [name]
            for var section in sections {
                guard let receiver = ReceiverSettings.read(&section) else { continue }
                if !names.insert(receiver.name).inserted {
                    section.report("name", "duplicate receiver name \(TOMLWriter.quoted(receiver.name)); each receiver needs its own")
                } else {
                    receivers.append(receiver)
                }
            }
        }
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
        w.key("record_format", recordFormat.rawValue)
        w.key("name", name)
        w.key("flow_control", flowControl)
        w.key("kernel_channel", kernelChannel.rawValue)
        for receiver in receivers { receiver.render(into: &w) }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
