#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The POSIX file descriptor under the serial, TCP and kernel transports: poll-bounded reads,
/// complete writes, and a close that cannot race a write onto a reused descriptor number
/// (the descriptor is only ever used under the lock or by the single reader thread).
final class DescriptorChannel: Sendable {
    /// -1 while closed.
    private let fd = Mutex<Int32>(-1)
    let name: String

    init(name: String) { self.name = name }

    func adopt(_ descriptor: Int32) {
        fd.withLock { fd in
            if fd >= 0 { _ = systemClose(fd) }
            fd = descriptor
        }
    }

    var descriptor: Int32 {
        fd.withLock { $0 }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        let fd = descriptor
        guard fd >= 0 else { throw .closed(spec: name) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return 0 }
            throw Self.error(name, "poll", errno)
        }
        if ready == 0 { return 0 }
        if pfd.revents & Int16(POLLIN) == 0 {
            // POLLHUP/POLLERR/POLLNVAL with nothing to read: the peer is gone.
            throw .closed(spec: name)
        }
        let n = systemRead(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return n }
        if n == 0 { throw .closed(spec: name) }
        switch errno {
        case EINTR, EAGAIN: return 0
        case EIO, ECONNRESET, ENXIO, EBADF: throw .closed(spec: name)  // EIO: pty master gone
        default: throw Self.error(name, "read", errno)
        }
    }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        let name = self.name
        try fd.withLock { (fd) throws(TransportError) in
            guard fd >= 0 else { throw .closed(spec: name) }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n > 0 { offset += n; continue }
                let code = errno
                if n < 0 && (code == EINTR || code == EAGAIN) { continue }
                switch code {
                case EIO, EPIPE, ECONNRESET, ENXIO, EBADF: throw .closed(spec: name)
                default: throw Self.error(name, "write", code)
                }
            }
        }
    }

    func close() {
        fd.withLock { fd in
            if fd >= 0 { _ = systemClose(fd) }
            fd = -1
        }
    }

    static func error(_ name: String, _ operation: String, _ code: Int32) -> TransportError {
        switch code {
        case EACCES, EPERM: .permissionDenied(spec: name, operation: operation)
        case ENOENT: .notFound(spec: name)
        case ENODEV, ENXIO: .noAdapter(spec: name)
        default: .system(spec: name, operation: operation, errno: code, message: String(cString: strerror(code)))
        }
    }
}

// The module's own `read`/`write`/`close` names shadow the C functions inside the types above.
@inline(__always) func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, p, n)
    #else
    Darwin.read(fd, p, n)
    #endif
}
@inline(__always) func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, p, n)
    #else
    Darwin.write(fd, p, n)
    #endif
}
@inline(__always) func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}
