#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a btsnoop v1 capture (RFC 1761-style, all fields big-endian): a 16-byte header
/// ("btsnoop\0", version 1, datalink), then records of a 24-byte header (original length,
/// included length, flags, cumulative drops, timestamp in µs since 0 AD) and the packet.
///
/// Streams the file (captures of a busy shop run to hundreds of MB an hour). A capture cut off
/// inside its last record (the recorder was killed) ends cleanly with `endedInPartialRecord` set.
/// Datalink 1002 (H4) records carry the type byte; 1001 records do not, and `packetData(of:)`
/// adds it from the flags so that callers see H4 either way.
public final class BtsnoopReader {
    public static let datalinkH4: UInt32 = 1002
    public static let datalinkHCI: UInt32 = 1001

    public let path: String
    public let datalink: UInt32
    public private(set) var endedInPartialRecord = false
    private let file: UnsafeMutablePointer<FILE>
    private var offset = 16

    public init(path: String) throws(BtsnoopError) {
        guard let file = fopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var header = [UInt8](repeating: 0, count: 16)
        let n = header.withUnsafeMutableBytes { fread($0.baseAddress, 1, 16, file) }
        guard n == 16, header[0..<8].elementsEqual(Array("btsnoop\0".utf8)) else {
            fclose(file)
            throw .notBtsnoop(path: path)
        }
        let version = Self.be32(header, 8)
        guard version == 1 else { fclose(file); throw .unsupportedVersion(path: path, version: version) }
        let datalink = Self.be32(header, 12)
        guard datalink == Self.datalinkH4 || datalink == Self.datalinkHCI else {
            fclose(file)
            throw .unsupportedDatalink(path: path, datalink: datalink)
        }
        self.path = path
        self.datalink = datalink
        self.file = file
    }

    deinit { fclose(file) }

    /// The next record, or nil at the end (or at a partial last record).
    public func next() throws(BtsnoopError) -> BtsnoopRecord? {
        var header = [UInt8](repeating: 0, count: 24)
        let got = header.withUnsafeMutableBytes { fread($0.baseAddress, 1, 24, file) }
        if got == 0 { return nil }
        guard got == 24 else { endedInPartialRecord = true; return nil }
        let original = Self.be32(header, 0)
        let included = Self.be32(header, 4)
        // No HCI packet is longer than an ISO payload plus headers; anything bigger means the
        // file is damaged from here (reading on would take garbage for records).
        guard included <= 65_540 else { throw .recordTooLong(path: path, offset: offset, length: included) }
        var data = [UInt8](repeating: 0, count: Int(included))
        let read = data.withUnsafeMutableBytes { included == 0 ? 0 : fread($0.baseAddress, 1, Int(included), file) }
        guard read == Int(included) else { endedInPartialRecord = true; return nil }
        offset += 24 + Int(included)
        let timestamp = Int64(bitPattern: UInt64(Self.be32(header, 16)) << 32 | UInt64(Self.be32(header, 20)))
        return BtsnoopRecord(timestampMicroseconds: timestamp, flags: Self.be32(header, 8), originalLength: original,
                             cumulativeDrops: Self.be32(header, 12), data: data)
    }

    /// The record's packet as H4 (type byte first), whatever the datalink.
    public func packetData(of record: BtsnoopRecord) -> [UInt8] {
        guard datalink == Self.datalinkHCI else { return record.data }
        let type: H4PacketType = record.isCommandOrEvent ? (record.isControllerToHost ? .event : .command) : .acl
        return [type.rawValue] + record.data
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
