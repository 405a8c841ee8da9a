#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Writes a btsnoop v1 capture from the host's side of the stream (as `btmon -r` and Wireshark
/// expect): datalink 1002 (H4) by default, or 2001 (BlueZ's monitor format, `BtsnoopFormat`). A
/// capture holds what the radio heard, which is personal data: the file is created with mode
/// 0600, and only where the operator asked (`--record`). Safe to call from several threads.
public final class BtsnoopWriter: Sendable {
    public let path: String
    public let format: BtsnoopFormat
    /// The controller's index in a monitor capture (hciN's N; 0 for a transport of one's own).
    public let controllerIndex: UInt16
    /// The open stream; nil once closed.
    private let file: Mutex<UnsafeMutablePointer<FILE>?>

    /// A monitor capture starts with the controller's New Index record (type primary, bus
    /// `bus` in BlueZ's numbering — 0 virtual, 1 USB, 3 UART — no address, name `hciN`), so
    /// `btmon -r` and Wireshark show which controller the packets are from.
    public init(path: String, format: BtsnoopFormat = .h4, controllerIndex: UInt16 = 0, bus: UInt8 = 0,
                at date: Date = Date()) throws(BtsnoopError) {
        let fd = path.withCString { systemCreate($0, 0o600) }
        guard fd >= 0, let file = fdopen(fd, "wb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.format = format
        self.controllerIndex = controllerIndex
        self.file = Mutex(file)
        var header = Array("btsnoop\0".utf8)
        header += Self.be32(1) + Self.be32(format.datalink)
        if format == .monitor {
            let name = Array("hci\(controllerIndex)".utf8.prefix(8))
            let newIndex = [0x00, bus] + [UInt8](repeating: 0, count: 6) + name + [UInt8](repeating: 0, count: 8 - name.count)
            header += Self.record(newIndex, flags: Self.monitorFlags(.newIndex, controllerIndex), at: date)
        }
        try self.file.withLock { (file) throws(BtsnoopError) in try Self.put(header, to: file, path: path) }
    }

    deinit { close() }

    /// Appends one H4 packet (type byte first). In the monitor format the type becomes the
    /// record's opcode; bytes that are no HCI packet have no opcode there and are not written.
    public func write(packet framed: [UInt8], controllerToHost: Bool, at date: Date) throws(BtsnoopError) {
        let record: [UInt8]
        switch format {
        case .h4:
            var flags: UInt32 = controllerToHost ? 1 : 0
            if let type = framed.first, type == H4PacketType.command.rawValue || type == H4PacketType.event.rawValue { flags |= 2 }
            record = Self.record(framed, flags: flags, at: date)
        case .monitor:
            guard let type = framed.first, let opcode = MonitorOpcode(h4: type, controllerToHost: controllerToHost) else { return }
            record = Self.record(Array(framed.dropFirst()), flags: Self.monitorFlags(opcode, controllerIndex), at: date)
        }
        try file.withLock { [path] (file) throws(BtsnoopError) in try Self.put(record, to: file, path: path) }
    }

    private static func monitorFlags(_ opcode: MonitorOpcode, _ index: UInt16) -> UInt32 {
        UInt32(index) << 16 | UInt32(opcode.rawValue)
    }

    /// A record: its 24-byte header (nothing cut, no drops) and the bytes.
    private static func record(_ bytes: [UInt8], flags: UInt32, at date: Date) -> [UInt8] {
        let timestamp = UInt64(bitPattern: BtsnoopRecord.timestamp(for: date))
        var record = be32(UInt32(bytes.count)) + be32(UInt32(bytes.count)) + be32(flags) + be32(0)
        record += be32(UInt32(timestamp >> 32)) + be32(UInt32(timestamp & 0xFFFF_FFFF))
        return record + bytes
    }

    /// Pushes buffered records to the file.
    public func flush() {
        file.withLock { file in
            if let file { fflush(file) }
        }
    }

    public func close() {
        file.withLock { file in
            if let open = file { fclose(open) }
            file = nil
        }
    }

    private static func put(_ bytes: [UInt8], to file: UnsafeMutablePointer<FILE>?, path: String) throws(BtsnoopError) {
        guard let file else { throw .writeFailed(path: path, reason: "writer closed") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        guard n == bytes.count else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}

/// Creates (or truncates) a file for writing with the given mode.
@inline(__always) func systemCreate(_ path: UnsafePointer<CChar>, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    #else
    Darwin.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    #endif
}
