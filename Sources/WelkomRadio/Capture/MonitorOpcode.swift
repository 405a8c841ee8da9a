/// What a record of a BlueZ monitor capture (btsnoop datalink 2001) is: the low 16 bits of its
/// flags. The numbers are BlueZ's (its btsnoop documentation and `btmon`); Wireshark's hci_mon
/// dissector reads the same.
public enum MonitorOpcode: UInt16, Sendable, CaseIterable {
    case newIndex = 0
    case deleteIndex = 1
    case commandPacket = 2
    case eventPacket = 3
    case aclTransmitted = 4
    case aclReceived = 5
    case scoTransmitted = 6
    case scoReceived = 7
    case openIndex = 8
    case closeIndex = 9
    case indexInfo = 10
    case vendorDiagnostic = 11
    case systemNote = 12
    case userLogging = 13
    case controlOpen = 14
    case controlClose = 15
    case controlCommand = 16
    case controlEvent = 17
    case isoTransmitted = 18
    case isoReceived = 19

    /// For an HCI packet: its H4 type and whether it went controller → host; nil for the rest.
    public var h4: (type: H4PacketType, controllerToHost: Bool)? {
        switch self {
        case .commandPacket: (.command, false)
        case .eventPacket: (.event, true)
        case .aclTransmitted: (.acl, false)
        case .aclReceived: (.acl, true)
        case .scoTransmitted: (.sco, false)
        case .scoReceived: (.sco, true)
        case .isoTransmitted: (.iso, false)
        case .isoReceived: (.iso, true)
        default: nil
        }
    }

    /// The opcode of an H4 packet in one direction; nil for a type the format has no opcode for.
    public init?(h4 type: UInt8, controllerToHost: Bool) {
        switch (H4PacketType(rawValue: type), controllerToHost) {
        case (.command?, _): self = .commandPacket
        case (.event?, _): self = .eventPacket
        case (.acl?, false): self = .aclTransmitted
        case (.acl?, true): self = .aclReceived
        case (.sco?, false): self = .scoTransmitted
        case (.sco?, true): self = .scoReceived
        case (.iso?, false): self = .isoTransmitted
        case (.iso?, true): self = .isoReceived
        default: return nil
        }
    }
}
