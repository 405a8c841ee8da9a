#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Writes a btsnoop v1 capture with datalink 1002 (H4), from the host's side of the stream
/// (as `btmon -r` and Wireshark expect). A capture holds what the radio heard, which is personal
/// data: the file is created with mode 0600, and only where the operator asked (`--record`).
/// Safe to call from several threads.
public final class BtsnoopWriter: Sendable {
    public let path: String
    /// The open stream; nil once closed.
    private let file: Mutex<UnsafeMutablePointer<FILE>?>

    public init(path: String) throws(BtsnoopError) {
        let fd = path.withCString { systemCreate($0, 0o600) }
        guard fd >= 0, let file = fdopen(fd, "wb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = Mutex(file)
        var header = Array("btsnoop\0".utf8)
        header += Self.be32(1) + Self.be32(BtsnoopReader.datalinkH4)
        try self.file.withLock { (file) throws(BtsnoopError) in try Self.put(header, to: file, path: path) }
    }

    deinit { close() }

    /// Appends one H4 packet (type byte first).
    public func write(packet framed: [UInt8], controllerToHost: Bool, at date: Date) throws(BtsnoopError) {
        var flags: UInt32 = controllerToHost ? 1 : 0
        if let type = framed.first, type == H4PacketType.command.rawValue || type == H4PacketType.event.rawValue { flags |= 2 }
        let timestamp = UInt64(bitPattern: BtsnoopRecord.timestamp(for: date))
        var record = Self.be32(UInt32(framed.count)) + Self.be32(UInt32(framed.count)) + Self.be32(flags) + Self.be32(0)
        record += Self.be32(UInt32(timestamp >> 32)) + Self.be32(UInt32(timestamp & 0xFFFF_FFFF))
        record += framed
        try file.withLock { [path] (file) throws(BtsnoopError) in try Self.put(record, to: file, path: path) }
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
