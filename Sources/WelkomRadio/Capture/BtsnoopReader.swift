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
    /// Bytes read ahead from the file, `buffer[start..<end]` not yet handed out: one fread per
    /// 256 KiB rather than two per record, and no header array per record (a replay reads
    /// millions of records).
    private var buffer = [UInt8](repeating: 0, count: 1 << 18)
    private var start = 0
    private var end = 0
    private var atEOF = false

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
        try withNextRecord { view in
            BtsnoopRecord(timestampMicroseconds: view.timestampMicroseconds, flags: view.flags,
                          originalLength: view.originalLength, cumulativeDrops: view.cumulativeDrops,
                          data: Array(view.data))
        }
    }

    /// The next record handed to `body` without a copy: its packet bytes are a view into the
    /// reader's buffer, valid only inside `body` (a replay reads millions of records; an array
    /// per record was a third of its time). Nil at the end or at a partial last record.
    public func withNextRecord<R>(_ body: (BtsnoopRecordView) -> R) throws(BtsnoopError) -> R? {
        let got = fill(24)
        if got == 0 { return nil }
        guard got >= 24 else { start = end; endedInPartialRecord = true; return nil }
        let (original, included, flags, drops, timestamp) = buffer.withUnsafeBytes { b in
            (Self.be32(b, start), Self.be32(b, start + 4), Self.be32(b, start + 8), Self.be32(b, start + 12),
             Int64(bitPattern: UInt64(Self.be32(b, start + 16)) << 32 | UInt64(Self.be32(b, start + 20))))
        }
        start += 24
        // No HCI packet is longer than an ISO payload plus headers; anything bigger means the
        // file is damaged from here (reading on would take garbage for records).
        guard included <= 65_540 else { throw .recordTooLong(path: path, offset: offset, length: included) }
        let length = Int(included)
        guard fill(length) >= length else { start = end; endedInPartialRecord = true; return nil }
        let first = start
        start += length
        offset += 24 + length
        return buffer.withUnsafeBytes { b in
            body(BtsnoopRecordView(timestampMicroseconds: timestamp, flags: flags, originalLength: original,
                                   cumulativeDrops: drops, data: UnsafeRawBufferPointer(rebasing: b[first..<(first + length)])))
        }
    }

    /// Reads ahead until at least `count` bytes are buffered or the file ends; returns how many are.
    private func fill(_ count: Int) -> Int {
        if end - start >= count || atEOF { return end - start }
        if start > 0 {
            buffer.withUnsafeMutableBytes { b in
                _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        if buffer.count < count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
        while end < count {
            let n = buffer.withUnsafeMutableBytes { b in fread(b.baseAddress! + end, 1, b.count - end, file) }
            if n == 0 { atEOF = true; break }
            end += n
        }
        return end - start
    }

    /// The record's packet as H4 (type byte first), whatever the datalink.
    public func packetData(of record: BtsnoopRecord) -> [UInt8] {
        guard datalink == Self.datalinkHCI else { return record.data }
        let type: H4PacketType = record.isCommandOrEvent ? (record.isControllerToHost ? .event : .command) : .acl
        return [type.rawValue] + record.data
    }

    /// The record's packet as H4 without a copy: its type byte, and the bytes after it. Nil
    /// when a 1002 record is empty (no type byte).
    public func h4Packet(of view: BtsnoopRecordView) -> (type: UInt8, bytes: UnsafeRawBufferPointer)? {
        guard datalink == Self.datalinkHCI else {
            guard let type = view.data.first else { return nil }
            return (type, UnsafeRawBufferPointer(rebasing: view.data.dropFirst()))
        }
        let type: H4PacketType = view.isCommandOrEvent ? (view.isControllerToHost ? .event : .command) : .acl
        return (type.rawValue, view.data)
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }
}
