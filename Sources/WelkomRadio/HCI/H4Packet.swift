/// One HCI packet as H4 frames it: its type, then `bytes` = header and payload (no type byte).
/// For an event `bytes[0]` is the event code, `bytes[1]` the parameter length, parameters follow.
public struct H4Packet: Sendable, Equatable, CustomStringConvertible {
    public var type: H4PacketType
    public var bytes: [UInt8]

    public init(type: H4PacketType, bytes: [UInt8]) {
        self.type = type
        self.bytes = bytes
    }

    /// The packet with its H4 type byte in front, as it goes on the wire or into a btsnoop record.
    public var framed: [UInt8] { [type.rawValue] + bytes }

    /// Packets carry what the radio heard: describe the shape only.
    public var description: String { "H4Packet(\(type), \(bytes.count) bytes)" }
}
