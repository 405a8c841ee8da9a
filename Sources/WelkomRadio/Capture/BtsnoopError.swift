/// A file that is not a btsnoop capture Welkom can read, or cannot be written.
public enum BtsnoopError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notBtsnoop(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case unsupportedDatalink(path: String, datalink: UInt32)
    case recordTooLong(path: String, offset: Int, length: UInt32)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open capture: \(reason)"
        case .notBtsnoop(let path): "\(path): not a btsnoop capture (no 'btsnoop\\0' header)"
        case .unsupportedVersion(let path, let v): "\(path): btsnoop version \(v), only version 1 is supported"
        case .unsupportedDatalink(let path, let d):
            "\(path): btsnoop datalink \(d), supported are 1002 (HCI UART, H4) and 1001 (HCI, unframed)"
        case .recordTooLong(let path, let offset, let length):
            "\(path): record at byte \(offset) claims \(length) bytes, more than any HCI packet; capture damaged from there"
        case .writeFailed(let path, let reason): "\(path): cannot write capture: \(reason)"
        }
    }
}
