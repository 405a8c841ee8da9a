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
///
/// Datalink 2001 is BlueZ's monitor format, what `btmon -w` writes on Linux: one file for every
/// controller the kernel has, each record's flags holding the controller's index (high 16 bits)
/// and an opcode (low 16 bits) that says what the record is — an HCI packet in one direction, or
/// news about the controller (added, removed, opened), a system note or a log line. `next()`
/// hands out the HCI packets of one controller only, as datalink 1001 has them (flags for
/// direction and command/event, `packetData(of:)` for H4), so callers need not know the format;
/// the rest is skipped. A capture of several
/// controllers needs `index` (`--index N`); with none, the one controller that carries packets
/// is taken, and several are refused with their indexes.
public final class BtsnoopReader {
    public static let datalinkH4: UInt32 = 1002
    public static let datalinkHCI: UInt32 = 1001
    public static let datalinkMonitor: UInt32 = 2001
    /// What `init` opens, in the order the error message names them.
    public static let supportedDatalinks: [UInt32] = [datalinkH4, datalinkHCI, datalinkMonitor]

    public let path: String
    public let datalink: UInt32
    /// The controller whose packets `next()` returns: the chosen or only one of a monitor
    /// capture (nil when it carries no packets at all); nil for 1001/1002, which hold one.
    public let controllerIndex: UInt16?
    // The counters and the read-ahead below change on every record, millions of times in a
    // replay, and a class's stored properties are checked for exclusive access at run time:
    // those checks were a tenth of a replay's time. The reader is not Sendable and none of its
    // methods hands out an access that overlaps another, so the checks are switched off here.
    @exclusivity(unchecked) public private(set) var endedInPartialRecord = false
    /// The number in the file (from 1, counting every record of every controller and kind, as
    /// Wireshark numbers frames) of the record `next()` last returned; 0 before the first.
    @exclusivity(unchecked) public private(set) var recordNumber = 0
    /// Records read from the file so far, whatever `next()` made of them.
    @exclusivity(unchecked) public private(set) var recordsInFile = 0
    /// Where the partial last record starts, when `endedInPartialRecord`.
    @exclusivity(unchecked) public private(set) var partialRecordOffset: Int?
    private let file: UnsafeMutablePointer<FILE>
    @exclusivity(unchecked) private var offset = 16
    /// Bytes read ahead from the file, `buffer[start..<end]` not yet handed out: one fread per
    /// 256 KiB rather than two per record, and no header array per record (a replay reads
    /// millions of records).
    @exclusivity(unchecked) private var buffer = [UInt8](repeating: 0, count: 1 << 18)
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var atEOF = false

    /// Opens a capture. `index` picks one controller of a monitor (2001) capture; for the other
    /// datalinks only 0 is accepted (they hold one controller).
    public init(path: String, index: UInt16? = nil) throws(BtsnoopError) {
        let (file, datalink) = try Self.open(path)
        let chosen: UInt16?
        // Closed here on refusal: a class whose init throws before it is whole never runs deinit.
        do { chosen = try Self.controller(index, ofCapture: path, datalink: datalink) } catch { fclose(file); throw error }
        self.path = path
        self.datalink = datalink
        self.file = file
        controllerIndex = chosen
    }

    /// The controller to read: `index` if the capture holds it, else the only one carrying packets.
    private static func controller(_ index: UInt16?, ofCapture path: String, datalink: UInt32) throws(BtsnoopError) -> UInt16? {
        guard datalink == datalinkMonitor else {
            if let index, index != 0 { throw .noSuchController(path: path, index: index, available: [0]) }
            return nil
        }
        let found = try controllers(inMonitorCapture: path)
        if let index {
            guard found.isEmpty || found.contains(index) else { throw .noSuchController(path: path, index: index, available: found) }
            return index
        }
        guard found.count <= 1 else { throw .severalControllers(path: path, indexes: found) }
        return found.first
    }

    /// A reader that hands out every record as it is in the file (the monitor pre-pass).
    private init(raw path: String) throws(BtsnoopError) {
        let (file, datalink) = try Self.open(path)
        self.path = path
        self.datalink = datalink
        self.file = file
        controllerIndex = nil
    }

    private static func open(_ path: String) throws(BtsnoopError) -> (UnsafeMutablePointer<FILE>, UInt32) {
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
        guard supportedDatalinks.contains(datalink) else {
            fclose(file)
            throw .unsupportedDatalink(path: path, datalink: datalink)
        }
        return (file, datalink)
    }

    deinit { fclose(file) }

    /// The controller indexes of a monitor capture that carry HCI packets, ascending. Reads the
    /// record headers only; a damaged tail ends the list where the damage starts (the replay
    /// itself reports it).
    public static func controllers(inMonitorCapture path: String) throws(BtsnoopError) -> [UInt16] {
        let reader = try BtsnoopReader(raw: path)
        var indexes = Set<UInt16>()
        while let header = try? reader.nextHeader() {
            if MonitorOpcode(rawValue: UInt16(header.flags & 0xFFFF))?.h4 != nil { indexes.insert(UInt16(header.flags >> 16)) }
        }
        return indexes.sorted()
    }

    /// The next record, or nil at the end (or at a partial last record). Of a monitor capture,
    /// the next HCI packet of `controllerIndex`, with flags as datalinks 1001/1002 have them and
    /// the packet without its type byte, as 1001 has it (`packetData(of:)` adds it).
    public func next() throws(BtsnoopError) -> BtsnoopRecord? {
        guard let header = try nextSelected() else { return nil }
        var record = BtsnoopRecord(timestampMicroseconds: header.timestamp, flags: header.flags, originalLength: header.original,
                                   cumulativeDrops: header.drops, data: Array(buffer[header.dataStart..<(header.dataStart + header.length)]))
        if let opcode = header.monitorOpcode {
            record.controllerIndex = controllerIndex
            record.monitorOpcode = opcode
        }
        return record
    }

    /// Lends the next record (as `next()` would return it) to `body` without copying its packet:
    /// the view is valid only while `body` runs. Nil at the end, as `next()`.
    public func withNextRecord<T>(_ body: (BtsnoopRecordView) -> T) throws(BtsnoopError) -> T? {
        guard let header = try nextSelected() else { return nil }
        return buffer.withUnsafeBytes { b in
            body(BtsnoopRecordView(timestampMicroseconds: header.timestamp, flags: header.flags, originalLength: header.original,
                                   cumulativeDrops: header.drops,
                                   data: UnsafeRawBufferPointer(rebasing: b[header.dataStart..<(header.dataStart + header.length)]),
                                   monitorOpcode: header.monitorOpcode))
        }
    }

    /// A lent record's packet as its H4 type and the bytes after it, whatever the datalink; nil
    /// for an empty 1002 record.
    public func h4Packet(of view: BtsnoopRecordView) -> (type: UInt8, bytes: UnsafeRawBufferPointer)? {
        guard datalink == Self.datalinkH4 else {
            let type = view.monitorOpcode.flatMap { MonitorOpcode(rawValue: $0)?.h4?.type } ?? Self.h4Type(flags: view.flags)
            return (type.rawValue, view.data)
        }
        guard let type = view.data.first else { return nil }
        return (type, UnsafeRawBufferPointer(rebasing: view.data.dropFirst()))
    }

    private struct Header {
        var original: UInt32, flags: UInt32, drops: UInt32, timestamp: Int64
        /// The packet is `buffer[dataStart..<dataStart + length]` until the next read.
        var dataStart: Int, length: Int
        var monitorOpcode: UInt16?
    }

    /// The next record `next()` hands out: any record, or of a monitor capture the next HCI
    /// packet of the chosen controller with its flags made 1001/1002's.
    private func nextSelected() throws(BtsnoopError) -> Header? {
        while var header = try nextHeader() {
            if datalink == Self.datalinkMonitor {
                let opcode = UInt16(header.flags & 0xFFFF)
                guard UInt16(header.flags >> 16) == controllerIndex, let (type, toHost) = MonitorOpcode(rawValue: opcode)?.h4
                else { continue }
                header.flags = (toHost ? 1 : 0) | (type == .command || type == .event ? 2 : 0)
                header.monitorOpcode = opcode
            }
            recordNumber = recordsInFile
            return header
        }
        return nil
    }

    /// The next record as the file has it, its packet left in the buffer.
    private func nextHeader() throws(BtsnoopError) -> Header? {
        let got = fill(24)
        if got == 0 { return nil }
        guard got >= 24 else { return partial() }
        let (original, included, flags, drops, timestamp) = buffer.withUnsafeBytes { b in
            (Self.be32(b, start), Self.be32(b, start + 4), Self.be32(b, start + 8), Self.be32(b, start + 12),
             Int64(bitPattern: UInt64(Self.be32(b, start + 16)) << 32 | UInt64(Self.be32(b, start + 20))))
        }
        // No HCI packet is longer than an ISO payload plus headers; anything bigger means the
        // file is damaged from here (reading on would take garbage for records).
        guard included <= 65_540 else {
            throw .recordTooLong(path: path, record: recordsInFile + 1, offset: offset, length: included)
        }
        let length = Int(included)
        guard fill(24 + length) >= 24 + length else { return partial() }
        let header = Header(original: original, flags: flags, drops: drops, timestamp: timestamp, dataStart: start + 24, length: length)
        start += 24 + length
        offset += 24 + length
        recordsInFile += 1
        return header
    }

    private func partial() -> Header? {
        start = end
        endedInPartialRecord = true
        partialRecordOffset = offset
        return nil
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
        guard datalink != Self.datalinkH4 else { return record.data }
        let type = record.monitorOpcode.flatMap { MonitorOpcode(rawValue: $0)?.h4?.type } ?? Self.h4Type(flags: record.flags)
        return [type.rawValue] + record.data
    }

    /// What 1001's flags say a packet is (ACL stands for every kind of data).
    private static func h4Type(flags: UInt32) -> H4PacketType {
        flags & 2 == 2 ? (flags & 1 == 1 ? .event : .command) : .acl
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }
}
