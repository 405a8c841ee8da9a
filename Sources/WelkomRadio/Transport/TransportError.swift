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
    case notFound(spec: String)
    case unknownHost(spec: String, detail: String)
    /// The peer went away: EOF, hangup, pty closed, TCP reset.
    case closed(spec: String)
    case system(spec: String, operation: String, errno: Int32, message: String)

    /// True for failures that retrying cannot fix without someone changing the machine or the
    /// config; `RadioSource` gives up on these at start instead of retrying forever.
    public var isPermanent: Bool {
        switch self {
        case .noKernelBluetooth, .unknownHost: true
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
            "\(spec): the adapter is in use by BlueZ (EBUSY); Welkom needs it exclusively: power it off in BlueZ "
                + "(`btmgmt --index \(spec.dropFirst(3)) power off`) or stop bluetoothd"
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
