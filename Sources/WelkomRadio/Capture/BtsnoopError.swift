/// A file that is not a btsnoop capture Welkom can read, or cannot be written.
public enum BtsnoopError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notBtsnoop(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case unsupportedDatalink(path: String, datalink: UInt32)
    /// `record` counts from 1, as Wireshark numbers frames.
    case recordTooLong(path: String, record: Int, offset: Int, length: UInt32)
    /// A monitor capture of several controllers, read without saying which.
    case severalControllers(path: String, indexes: [UInt16])
    case noSuchController(path: String, index: UInt16, available: [UInt16])
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open capture: \(reason)"
        case .notBtsnoop(let path): "\(path): not a btsnoop capture (no 'btsnoop\\0' header)"
        case .unsupportedVersion(let path, let v): "\(path): btsnoop version \(v), only version 1 is supported"
        case .unsupportedDatalink(let path, let d):
            "\(path): btsnoop datalink \(d) (\(Self.datalinkName(d))); supported are "
                + BtsnoopReader.supportedDatalinks.map { "\($0) (\(Self.datalinkName($0)))" }.joined(separator: ", ")
        case .recordTooLong(let path, let record, let offset, let length):
            "\(path): record \(record) (at byte \(offset)) claims \(length) bytes, more than any HCI packet; capture damaged from there"
        case .severalControllers(let path, let indexes):
            "\(path): the capture holds \(indexes.count) controllers, \(Self.names(indexes)); choose one with --index N "
                + "(btsnoop:FILE@hciN as a transport)"
        case .noSuchController(let path, let index, let available):
            "\(path): no controller hci\(index) in the capture; it holds " + (available.isEmpty ? "no HCI packets" : Self.names(available))
        case .writeFailed(let path, let reason): "\(path): cannot write capture: \(reason)"
        }
    }

    private static func names(_ indexes: [UInt16]) -> String {
        indexes.map { "hci\($0) (index \($0))" }.joined(separator: ", ")
    }

    /// The datalink's name in the btsnoop specification and BlueZ, for the message.
    static func datalinkName(_ datalink: UInt32) -> String {
        switch datalink {
        case 1001: "HCI, unframed"
        case 1002: "HCI UART, H4"
        case 1003: "HCI BCSP"
        case 1004: "HCI three-wire UART"
        case 2001: "BlueZ monitor, as btmon writes it"
        case 2002: "BlueZ simulator"
        default: "unknown"
        }
    }
}
