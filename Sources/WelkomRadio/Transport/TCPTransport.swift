#if canImport(Glibc)
import Glibc
// bluetooth.h pulls <sys/socket.h> into CBluetooth's module, and with it SOCK_STREAM's type.
import CBluetooth
#elseif canImport(Darwin)
import Darwin
#endif

/// H4 over TCP (Bumble's `tcp-server:`, netsim bridges, a serial-to-TCP adapter).
/// Plain POSIX sockets: one connection, blocking reads bounded by poll on the reader thread.
public final class TCPTransport: HCITransport {
    public let host: String
    public let port: UInt16
    public let name: String
    private let channel: DescriptorChannel

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
        self.name = TransportSpec.tcp(host: host, port: port).description
        self.channel = DescriptorChannel(name: name)
    }

    public func open() throws(TransportError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .unknownHost(spec: name, detail: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastErrno: Int32 = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let ai = candidate {
            candidate = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd < 0 { lastErrno = errno; continue }
            // On Linux SO_SNDTIMEO also bounds connect(): an unreachable host fails in 5 s.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                channel.adopt(fd)
                return
            }
            lastErrno = errno
            _ = systemClose(fd)
        }
        throw DescriptorChannel.error(name, "connect", lastErrno)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try channel.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) { try channel.write(bytes) }

    public func close() { channel.close() }
}
