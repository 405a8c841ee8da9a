#if canImport(Glibc)
import Glibc
#endif
import CBluetooth

/// A kernel adapter (`hciN`) through a raw HCI socket on the user channel: the kernel hands us
/// the adapter exclusively and frames packets exactly as H4 does (type byte first), so the same
/// decoder and driver serve UART, TCP and kernel alike.
///
/// On a kernel without Bluetooth `socket(AF_BLUETOOTH)` fails with errno 97: that becomes
/// `.noKernelBluetooth`; a missing adapter (ENODEV) becomes `.noAdapter`; an adapter BlueZ has
/// powered on (EBUSY) becomes `.adapterBusy`. Each message names the fix.
public final class KernelHCITransport: HCITransport {
    public let device: UInt16
    public let name: String
    private let channel: DescriptorChannel

    public init(device: UInt16) {
        self.device = device
        self.name = "hci\(device)"
        self.channel = DescriptorChannel(name: name)
    }

    public func open() throws(TransportError) {
        #if os(Linux)
        let fd = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_HCI)
        guard fd >= 0 else {
            let code = errno
            if code == EAFNOSUPPORT { throw .noKernelBluetooth(spec: name) }
            throw DescriptorChannel.error(name, "socket(AF_BLUETOOTH)", code)
        }
        var address = sockaddr_hci()
        address.hci_family = sa_family_t(AF_BLUETOOTH)
        address.hci_dev = device
        address.hci_channel = UInt16(HCI_CHANNEL_USER)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_hci>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            _ = systemClose(fd)
            switch code {
            case ENODEV: throw .noAdapter(spec: name)
            case EBUSY, EALREADY: throw .adapterBusy(spec: name)
            default: throw DescriptorChannel.error(name, "bind(HCI_CHANNEL_USER)", code)
            }
        }
        channel.adopt(fd)
        #else
        throw .noKernelBluetooth(spec: name)
        #endif
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try channel.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) { try channel.write(bytes) }

    public func close() { channel.close() }
}
