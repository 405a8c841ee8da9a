import CUSB

/// The USB devices present, through libusb (the hardware edge every libusb reader kind shares):
/// `welkom doctor` lists them and the agent finds configured `usb = "vendor:product"` readers.
public enum USBInventory {
    /// Every device on every bus. Throws a `USBError` that says what failed when libusb cannot
    /// initialise (no usbfs, no permission) or cannot list devices.
    public static func devices() throws(USBError) -> [USBDeviceInfo] {
        var context: OpaquePointer?
        let initResult = libusb_init(&context)
        guard initResult == 0, let context else { throw error("init", initResult) }
        defer { libusb_exit(context) }

        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw error("get_device_list", Int32(clamping: count)) }
        defer { libusb_free_device_list(list, 1) }

        var result: [USBDeviceInfo] = []
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            if let info = info(of: device) { result.append(info) }
        }
        // Stable order (bus, then port path) whatever order the kernel listed them in.
        return result.sorted { a, b in
            a.bus != b.bus ? a.bus < b.bus : a.portPath.lexicographicallyPrecedes(b.portPath)
        }
    }

    /// One device's IDs and place; nil for a device that vanished mid-listing.
    static func info(of device: OpaquePointer) -> USBDeviceInfo? {
        var descriptor = libusb_device_descriptor()
        // Cached by libusb since 1.0.16; a failure means a device that vanished mid-listing.
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }
        var ports = [UInt8](repeating: 0, count: 8) // USB 3 allows at most 7 tiers
        let depth = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        return USBDeviceInfo(
            vendor: descriptor.idVendor, product: descriptor.idProduct,
            bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
            portPath: depth > 0 ? Array(ports.prefix(Int(depth))) : [])
    }

    private static func error(_ operation: String, _ code: Int32) -> USBError {
        let name = libusb_error_name(code).map { String(cString: $0) } ?? "LIBUSB_ERROR"
        return USBError(operation: operation, code: code, name: name)
    }
}
