/// One device on the USB buses, as libusb sees it: enough to find a configured reader
/// (`usb = "vendor:product"` in `[[reader]]`) and to tell two identical readers apart by port.
public struct USBDeviceInfo: Sendable, Hashable, CustomStringConvertible {
    public var vendor: UInt16
    public var product: UInt16
    public var bus: UInt8
    public var address: UInt8
    /// Hub port numbers from the root hub down; empty for a root hub itself.
    public var portPath: [UInt8]

    public init(vendor: UInt16, product: UInt16, bus: UInt8, address: UInt8, portPath: [UInt8]) {
        self.vendor = vendor
        self.product = product
        self.bus = bus
        self.address = address
        self.portPath = portPath
    }

    /// "072f:2200", the spelling of the config's `usb` key.
    public var id: String { Self.hex4(vendor) + ":" + Self.hex4(product) }

    /// The kernel's name for the port, e.g. "1-1.3" (bus 1, root port 1, hub port 3), stable
    /// across replugging into the same socket; "usb1" for bus 1's root hub.
    public var port: String {
        portPath.isEmpty ? "usb\(bus)" : "\(bus)-" + portPath.map(String.init).joined(separator: ".")
    }

    public var description: String { "\(id) at \(port) (bus \(bus) address \(address))" }

    private static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
