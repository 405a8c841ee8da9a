import struct Foundation.Date

/// One record of a btsnoop capture: a whole HCI packet with its direction and time.
public struct BtsnoopRecord: Sendable, Equatable {
    /// Microseconds since midnight, 1 January of year 0 (AD), as btsnoop counts them.
    public var timestampMicroseconds: Int64
    /// Bit 0: 0 host → controller, 1 controller → host. Bit 1: 1 command or event, 0 data.
    public var flags: UInt32
    public var originalLength: UInt32
    public var cumulativeDrops: UInt32
    /// The packet; with datalink 1002 (H4) it starts with the H4 type byte.
    public var data: [UInt8]
    /// Of a monitor capture (datalink 2001): the controller (hciN) and the record's opcode as the
    /// file has them; `flags` and `data` are then given as datalink 1001 would have them.
    public var controllerIndex: UInt16?
    public var monitorOpcode: UInt16?

    public init(timestampMicroseconds: Int64, flags: UInt32, originalLength: UInt32, cumulativeDrops: UInt32 = 0, data: [UInt8]) {
        self.timestampMicroseconds = timestampMicroseconds
        self.flags = flags
        self.originalLength = originalLength
        self.cumulativeDrops = cumulativeDrops
        self.data = data
    }

    /// btsnoop's epoch (0 AD) to the Unix epoch, in microseconds.
    public static let unixEpochOffsetMicroseconds: Int64 = 0x00DC_DDB3_0F2F_8000

    public var isControllerToHost: Bool { flags & 1 == 1 }
    public var isCommandOrEvent: Bool { flags & 2 == 2 }
    /// The capture tool cut the packet short.
    public var isTruncated: Bool { Int(originalLength) > data.count }

    public var date: Date {
        Date(timeIntervalSince1970: Double(timestampMicroseconds - Self.unixEpochOffsetMicroseconds) / 1_000_000)
    }

    public static func timestamp(for date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) + unixEpochOffsetMicroseconds
    }
}
