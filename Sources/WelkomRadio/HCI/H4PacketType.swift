/// The H4 (UART transport, Core spec Vol 4 Part A) packet indicator: the byte before every packet.
public enum H4PacketType: UInt8, Sendable, CaseIterable {
    case command = 0x01
    case acl = 0x02
    case sco = 0x03
    case event = 0x04
    case iso = 0x05

    /// Bytes of header after the type byte, and where the payload length sits in it.
    var headerLength: Int {
        switch self {
        case .command, .sco: 3
        case .acl, .iso: 4
        case .event: 2
        }
    }

    /// Payload length from a complete header (`header` excludes the type byte).
    func payloadLength(header: UnsafeBufferPointer<UInt8>) -> Int {
        switch self {
        case .command, .sco: Int(header[2])
        case .event: Int(header[1])
        case .acl: Int(header[2]) | Int(header[3]) << 8
        // 14-bit ISO_Data_Load_Length; the two top bits are reserved and checked by the decoder.
        case .iso: Int(header[2]) | Int(header[3] & 0x3F) << 8
        }
    }
}
