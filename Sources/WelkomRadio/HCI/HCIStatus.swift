/// An HCI status / error code (Core spec Vol 1 Part F), named for the common ones.
public struct HCIStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = HCIStatus(0x00)
    public static let unknownCommand = HCIStatus(0x01)
    public static let commandDisallowed = HCIStatus(0x0C)
    public static let unsupportedFeatureOrParameter = HCIStatus(0x11)
    public static let invalidParameters = HCIStatus(0x12)

    public var isSuccess: Bool { rawValue == 0 }

    public var name: String? {
        switch rawValue {
        case 0x00: "Success"
        case 0x01: "Unknown HCI Command"
        case 0x02: "Unknown Connection Identifier"
        case 0x03: "Hardware Failure"
        case 0x04: "Page Timeout"
        case 0x05: "Authentication Failure"
        case 0x07: "Memory Capacity Exceeded"
        case 0x08: "Connection Timeout"
        case 0x0C: "Command Disallowed"
        case 0x0D: "Connection Rejected due to Limited Resources"
        case 0x11: "Unsupported Feature or Parameter Value"
        case 0x12: "Invalid HCI Command Parameters"
        case 0x1A: "Unsupported Remote Feature"
        case 0x1E: "Invalid LL Parameters"
        case 0x1F: "Unspecified Error"
        case 0x20: "Unsupported LL Parameter Value"
        case 0x3A: "Controller Busy"
        case 0x3C: "Advertising Timeout"
        case 0x42: "Unknown Advertising Identifier"
        case 0x43: "Limit Reached"
        case 0x44: "Operation Cancelled by Host"
        case 0x45: "Packet Too Long"
        default: nil
        }
    }

    public var description: String {
        let hex = "0x" + (rawValue < 0x10 ? "0" : "") + String(rawValue, radix: 16)
        return name.map { "\($0) (\(hex))" } ?? "status \(hex)"
    }
}
