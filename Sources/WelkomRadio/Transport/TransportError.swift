/// Why a transport could not be opened, read or written. Each message names the transport and,
/// where there is one, the fix. Messages never carry anything the radio heard.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `socket(AF_BLUETOOTH)` failed with EAFNOSUPPORT (errno 97).
    case noKernelBluetooth(spec: String)
    /// The kernel knows Bluetooth but has no such adapter (ENODEV).
    case noAdapter(spec: String)
    /// The kernel adapter is up and owned by BlueZ (EBUSY on the user channel).
    case adapterBusy(spec: String)
    case permissionDenied(spec: String, operation: String)
    /// The kernel refused a Bluetooth socket (EPERM/EACCES): the process lacks the capability.
    case kernelPermissionDenied(spec: String, capability: String)
    /// A raw HCI socket needs the adapter up, and it is down.
    case adapterDown(spec: String)
    /// rfkill blocks the adapter (ERFKILL).
    case adapterBlocked(spec: String)
    case notFound(spec: String)
    case unknownHost(spec: String, detail: String)
    /// The peer went away: EOF, hangup, pty closed, TCP reset.
    case closed(spec: String)
    case system(spec: String, operation: String, errno: Int32, message: String)

    /// True for failures that retrying cannot fix without someone changing the machine or the
    /// config; `RadioSource` gives up on these at start instead of retrying forever.
    public var isPermanent: Bool {
        switch self {
        case .noKernelBluetooth, .unknownHost, .kernelPermissionDenied: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .noKernelBluetooth(let spec):
            "\(spec): this kernel has no Bluetooth support (socket(AF_BLUETOOTH) failed with errno 97, EAFNOSUPPORT); "
                + "fix: run a kernel with Bluetooth (CONFIG_BT, `modprobe bluetooth`), or attach an H4 controller and set "
                + "[radio] transport = \"serial:/dev/ttyACM0\" (or tcp:HOST:PORT)"
        case .noAdapter(let spec):
            "\(spec): no Bluetooth adapter (ENODEV); fix: plug in or unblock the adapter (`rfkill unblock bluetooth`, "
                + "`btmgmt info` lists adapters) or name another hciN"
        case .adapterBusy(let spec):
            "\(spec): adapter busy (EBUSY): bluetoothd has it up, and the user channel needs it exclusively; fix: "
                + "use the raw socket alongside bluetoothd ([radio] kernel_channel = \"raw\"), or stop bluetoothd "
                + "(`systemctl stop bluetooth`) or power the adapter off in BlueZ (`btmgmt --index \(spec.dropFirst(3)) power off`)"
        case .kernelPermissionDenied(let spec, let capability):
            "\(spec): permission denied: a Bluetooth HCI socket needs \(capability); fix: "
                + "`setcap cap_net_raw,cap_net_admin+ep $(command -v welkom)`, or in the systemd unit "
                + "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN (and CapabilityBoundingSet= the same), or run as root"
        case .adapterDown(let spec):
            "\(spec): the adapter is down, and a raw HCI socket needs it up; fix: `btmgmt --index \(spec.dropFirst(3)) power on` "
                + "(or `hciconfig \(spec) up`), or take it exclusively with [radio] kernel_channel = \"user\" (or \"raw-then-user\")"
        case .adapterBlocked(let spec):
            "\(spec): the adapter is blocked by rfkill (ERFKILL); fix: `rfkill unblock bluetooth`"
        case .permissionDenied(let spec, let operation):
            "\(spec): permission denied (\(operation)); fix: run with CAP_NET_ADMIN for hciN, or join the group owning the serial device (usually dialout)"
        case .notFound(let spec):
            "\(spec): no such device or file; fix: check the path (is the dongle plugged in?)"
        case .unknownHost(let spec, let detail):
            "\(spec): cannot resolve host (\(detail))"
        case .closed(let spec):
            "\(spec): the controller connection closed"
        case .system(let spec, let operation, let errno, let message):
            "\(spec): \(operation) failed: \(message) (errno \(errno))"
        }
    }
}
