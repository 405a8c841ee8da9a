#if canImport(Glibc)
import Glibc
#endif
import CBluetooth
import Foundation
import Synchronization

/// A kernel adapter (`hciN`) through libbluetooth's HCI socket. Either way the kernel frames
/// packets exactly as H4 does (type byte first), so one decoder and driver serve UART, TCP and
/// kernel alike.
///
/// - `.raw` (the default): a raw HCI socket bound to hciN with a filter that lets through only
///   the events a scanner needs. The adapter stays BlueZ's (bluetoothd may run); it must be up.
///   `isShared` tells the driver not to reset a controller the kernel is using.
/// - `.user`: the HCI user channel, the adapter exclusively (BlueZ must have it powered off).
/// - `.rawThenUser`: raw, and the user channel when the adapter is down.
///
/// Failures become `TransportError`s that name the fix (see `error(errno:operation:)`):
/// errno 97 no Bluetooth in this kernel, ENODEV no adapter, EBUSY adapter busy, EPERM/EACCES
/// capabilities, ERFKILL rfkill, and a raw socket on a downed adapter.
public final class KernelHCITransport: HCITransport {
    public let device: UInt16
    public let channelMode: KernelSocketChannel
    public let name: String
    private let channel: DescriptorChannel
    private let openedShared = SharedFlag()

    public init(device: UInt16, channel: KernelSocketChannel = .raw) {
        self.device = device
        self.channelMode = channel
        self.name = "hci\(device)"
        self.channel = DescriptorChannel(name: name)
    }

    /// True when opened as a raw socket: the kernel and BlueZ share the controller.
    public var isShared: Bool { openedShared.value }

    public func open() throws(TransportError) {
        #if os(Linux)
        switch channelMode {
        case .raw:
            try openRaw()
        case .user:
            try openUser()
        case .rawThenUser:
            do { try openRaw() } catch .adapterDown { try openUser() }
        }
        #else
        throw .noKernelBluetooth(spec: name)
        #endif
    }

    #if os(Linux)
    private func socketFD() throws(TransportError) -> Int32 {
        let fd = socket(AF_BLUETOOTH, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), BTPROTO_HCI)
        guard fd >= 0 else { throw Self.error(errno: errno, spec: name, operation: "socket(AF_BLUETOOTH)", capability: capability) }
        return fd
    }

    /// The capability the configured channel needs, for the permission message.
    private var capability: String { channelMode == .user ? "CAP_NET_ADMIN" : "CAP_NET_RAW" }

    private func bind(_ fd: Int32, channel hciChannel: Int32, operation: String) throws(TransportError) {
        var address = sockaddr_hci()
        address.hci_family = sa_family_t(AF_BLUETOOTH)
        address.hci_dev = device
        address.hci_channel = UInt16(hciChannel)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_hci>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw Self.error(errno: code, spec: name, operation: operation,
                             capability: hciChannel == HCI_CHANNEL_USER ? "CAP_NET_ADMIN" : "CAP_NET_RAW")
        }
    }

    private func openRaw() throws(TransportError) {
        let fd = try socketFD()
        // Up or down, asked through libbluetooth: a raw socket on a downed adapter binds fine
        // but every command fails with ENETDOWN, which would read as a mystery later.
        var info = hci_dev_info()
        if hci_devinfo(Int32(device), &info) < 0 {
            let code = errno
            _ = systemClose(fd)
            throw Self.error(errno: code, spec: name, operation: "hci_devinfo", capability: capability)
        }
        guard info.flags & (1 << UInt32(HCI_UP)) != 0 else {
            _ = systemClose(fd)
            throw .adapterDown(spec: name)
        }
        try bind(fd, channel: HCI_CHANNEL_RAW, operation: "bind(HCI_CHANNEL_RAW)")
        // Only events, and only those the driver reads: Command Complete/Status, Hardware Error,
        // LE Meta. Everything else BlueZ does on this adapter stays out of our buffer.
        var filter = hci_filter()
        filter.type_mask = 1 << UInt32(HCI_EVENT_PKT)
        for event in [HCIEventCode.commandComplete, HCIEventCode.commandStatus, HCIEventCode.hardwareError, HCIEventCode.leMeta] {
            if event < 32 { filter.event_mask.0 |= 1 << UInt32(event) } else { filter.event_mask.1 |= 1 << UInt32(event - 32) }
        }
        guard setsockopt(fd, SOL_HCI, HCI_FILTER, &filter, socklen_t(MemoryLayout<hci_filter>.size)) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw Self.error(errno: code, spec: name, operation: "setsockopt(HCI_FILTER)", capability: capability)
        }
        openedShared.value = true
        channel.adopt(fd)
    }

    private func openUser() throws(TransportError) {
        let fd = try socketFD()
        try bind(fd, channel: HCI_CHANNEL_USER, operation: "bind(HCI_CHANNEL_USER)")
        openedShared.value = false
        channel.adopt(fd)
    }
    #endif

    /// What an errno from the kernel's Bluetooth socket means for the operator, with the fix.
    public static func error(errno code: Int32, spec: String, operation: String, capability: String) -> TransportError {
        switch code {
        case EAFNOSUPPORT: .noKernelBluetooth(spec: spec)
        case ENODEV: .noAdapter(spec: spec)
        case EBUSY, EALREADY: .adapterBusy(spec: spec)
        case EPERM, EACCES: .kernelPermissionDenied(spec: spec, capability: capability)
        case ENETDOWN: .adapterDown(spec: spec)
        case ERFKILL: .adapterBlocked(spec: spec)
        default: DescriptorChannel.error(spec, operation, code)
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try channel.read(into: buffer, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func write(_ bytes: [UInt8]) throws(TransportError) {
        do {
            try channel.write(bytes)
        } catch .permissionDenied {
            // Without CAP_NET_RAW the kernel lets a raw socket bind but refuses every command
            // outside its small safe list (EPERM on write): the same fix as a refused bind.
            throw .kernelPermissionDenied(spec: name, capability: channelMode == .user ? "CAP_NET_ADMIN" : "CAP_NET_RAW")
        }
    }

    public func close() { channel.close() }
}

/// Set by `open` on the opening thread, read by the driver.
final class SharedFlag: Sendable {
    private let flag = Mutex(false)
    var value: Bool {
        get { flag.withLock { $0 } }
        set { flag.withLock { $0 = newValue } }
    }
}
