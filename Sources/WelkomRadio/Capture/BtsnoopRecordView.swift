import struct Foundation.Date

/// One btsnoop record as `BtsnoopReader.withNextRecord` lends it: the header's fields, and the
/// packet as a view into the reader's buffer, valid only while the closure runs.
public struct BtsnoopRecordView {
    public var timestampMicroseconds: Int64
    /// Bit 0: 0 host → controller, 1 controller → host. Bit 1: 1 command or event, 0 data.
    public var flags: UInt32
    public var originalLength: UInt32
    public var cumulativeDrops: UInt32
    /// The packet as recorded; with datalink 1002 (H4) it starts with the H4 type byte.
    public var data: UnsafeRawBufferPointer
    /// Of a monitor (2001) capture: the record's opcode, which alone tells SCO and ISO from ACL
    /// (the flags made 1001's say only "data").
    public var monitorOpcode: UInt16? = nil

    public var isControllerToHost: Bool { flags & 1 == 1 }
    public var isCommandOrEvent: Bool { flags & 2 == 2 }
    /// The capture tool cut the packet short.
    public var isTruncated: Bool { Int(originalLength) > data.count }

    public var date: Date {
        Date(timeIntervalSince1970: Double(timestampMicroseconds - BtsnoopRecord.unixEpochOffsetMicroseconds) / 1_000_000)
    }
}
