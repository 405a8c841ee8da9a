import CUSB
import Foundation

/// An open, claimed USB reader: the libusb handle, the interface taken from the kernel, and its
/// endpoints. Opened by vendor:product and optionally the port ("1-1.3") that tells two identical
/// readers apart. Used by one reader thread only.
final class USBReaderDevice {
    let handle: OpaquePointer
    let info: USBDeviceInfo
    let interface: Int32
    let interruptIn: Endpoint?
    let bulkIn: Endpoint?
    let bulkOut: Endpoint?
    private var claimed = false
    private var closed = false

    struct Endpoint {
        var address: UInt8
        var maxPacketSize: Int
    }

    /// Which interface a reader kind claims.
    enum InterfaceClass {
        case hid   // hid-keyboard, hid-pos: class 3
        case ccid  // acr122u: class 0x0B, or vendor-specific 0xFF on some firmware
    }

    /// Finds, opens and claims the reader: detaches a kernel driver (usbhid) that holds it.
    /// With `detach` false (a probe), a kernel driver on the interface is reported as `.busy`
    /// instead of being detached.
    static func open(context: OpaquePointer, id: USBDeviceID, port: String?, interfaceClass: InterfaceClass,
                     detach: Bool = true) throws(USBReaderProblem) -> USBReaderDevice {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw .libusb(.from("get_device_list", Int32(clamping: count))) }
        defer { libusb_free_device_list(list, 1) }
        var found: (OpaquePointer, USBDeviceInfo)?
        for i in 0..<Int(count) {
            guard let device = list[i], let info = USBInventory.info(of: device),
                  info.vendor == id.vendor, info.product == id.product, port == nil || info.port == port
            else { continue }
            found = (device, info)
            break
        }
        guard let (device, info) = found else { throw .notConnected(id, port: port) }

        // The interface and endpoints, from the active configuration's descriptors.
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(device, &config) == 0, let config else {
            throw .unsuitable(id, "has no readable configuration descriptor")
        }
        defer { libusb_free_config_descriptor(config) }
        var chosen: (Int32, Endpoint?, Endpoint?, Endpoint?)?
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let iface = config.pointee.interface[i]
            guard iface.num_altsetting > 0, let alt = iface.altsetting else { continue }
            let d = alt.pointee
            let fits = switch interfaceClass {
            case .hid: d.bInterfaceClass == UInt8(LIBUSB_CLASS_HID.rawValue)
            case .ccid: d.bInterfaceClass == UInt8(LIBUSB_CLASS_SMART_CARD.rawValue) || d.bInterfaceClass == 0xFF
            }
            guard fits else { continue }
            var intIn: Endpoint?, bIn: Endpoint?, bOut: Endpoint?
            for e in 0..<Int(d.bNumEndpoints) {
                let ep = d.endpoint[e]
                let endpoint = Endpoint(address: ep.bEndpointAddress, maxPacketSize: Int(ep.wMaxPacketSize & 0x7FF))
                let isIn = ep.bEndpointAddress & 0x80 != 0
                switch ep.bmAttributes & 0x03 {
                case UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue) where isIn && intIn == nil: intIn = endpoint
                case UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) where isIn && bIn == nil: bIn = endpoint
                case UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) where !isIn && bOut == nil: bOut = endpoint
                default: break
                }
            }
            chosen = (Int32(d.bInterfaceNumber), intIn, bIn, bOut)
            break
        }
        guard let (number, intIn, bIn, bOut) = chosen else {
            throw .unsuitable(id, interfaceClass == .hid ? "has no HID interface" : "has no CCID interface")
        }
        switch interfaceClass {
        case .hid where intIn == nil: throw .unsuitable(id, "has no interrupt IN endpoint")
        case .ccid where bIn == nil || bOut == nil: throw .unsuitable(id, "has no bulk IN and OUT endpoints")
        default: break
        }

        var handle: OpaquePointer?
        let opened = libusb_open(device, &handle)
        guard opened == 0, let handle else {
            if opened == LIBUSB_ERROR_ACCESS.rawValue {
                throw .permissionDenied(id, node: String(format: "/dev/bus/usb/%03d/%03d", info.bus, info.address))
            }
            if opened == LIBUSB_ERROR_NO_DEVICE.rawValue { throw .notConnected(id, port: port) }
            throw .libusb(.from("open", opened))
        }
        let reader = USBReaderDevice(handle: handle, info: info, interface: number,
                                     interruptIn: intIn, bulkIn: bIn, bulkOut: bOut)
        // A keyboard wedge is bound to usbhid (which would type its codes into the console);
        // an ACR122U to pn533_usb. Take the interface from the kernel, exclusively.
        let driver = Self.kernelDriver(of: info, interface: number)
        // A probe also believes sysfs: it names the driver even where usbfs cannot be asked.
        if libusb_kernel_driver_active(handle, number) == 1 || (!detach && driver != nil) {
            guard detach else {
                reader.close()
                throw .busy(id, interface: Int(number), driver: driver ?? "unknown")
            }
            let detached = libusb_detach_kernel_driver(handle, number)
            if detached != 0 && detached != LIBUSB_ERROR_NOT_FOUND.rawValue {
                reader.close()
                throw .busy(id, interface: Int(number), driver: driver ?? "unknown")
            }
        }
        let claim = libusb_claim_interface(handle, number)
        guard claim == 0 else {
            reader.close()
            if claim == LIBUSB_ERROR_BUSY.rawValue { throw .busy(id, interface: Int(number), driver: nil) }
            if claim == LIBUSB_ERROR_NO_DEVICE.rawValue { throw .notConnected(id, port: port) }
            throw .libusb(.from("claim_interface", claim))
        }
        reader.claimed = true
        return reader
    }

    private init(handle: OpaquePointer, info: USBDeviceInfo, interface: Int32,
                 interruptIn: Endpoint?, bulkIn: Endpoint?, bulkOut: Endpoint?) {
        self.handle = handle
        self.info = info
        self.interface = interface
        self.interruptIn = interruptIn
        self.bulkIn = bulkIn
        self.bulkOut = bulkOut
    }

    /// The kernel driver bound to an interface, from sysfs ("usbhid", "pn533_usb"); nil if none.
    static func kernelDriver(of info: USBDeviceInfo, interface: Int32) -> String? {
        let link = "/sys/bus/usb/devices/\(info.port):1.\(interface)/driver"
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
        return URL(fileURLWithPath: target).lastPathComponent
    }

    /// The result of one transfer: bytes received (IN) or sent (OUT), or libusb's error code.
    enum Transfer {
        case done(Int)
        case timedOut
        case failed(Int32)
    }

    func interrupt(_ endpoint: Endpoint, into buffer: inout [UInt8], timeoutMS: UInt32) -> Transfer {
        var n: Int32 = 0
        let r = buffer.withUnsafeMutableBufferPointer {
            libusb_interrupt_transfer(handle, endpoint.address, $0.baseAddress, Int32($0.count), &n, timeoutMS)
        }
        return Self.result(r, n)
    }

    func bulk(_ endpoint: Endpoint, _ buffer: inout [UInt8], timeoutMS: UInt32) -> Transfer {
        var n: Int32 = 0
        let r = buffer.withUnsafeMutableBufferPointer {
            libusb_bulk_transfer(handle, endpoint.address, $0.baseAddress, Int32($0.count), &n, timeoutMS)
        }
        return Self.result(r, n)
    }

    private static func result(_ r: Int32, _ n: Int32) -> Transfer {
        if r == 0 { return .done(Int(n)) }
        if r == LIBUSB_ERROR_TIMEOUT.rawValue { return .timedOut }
        return .failed(r)
    }

    static func errorName(_ code: Int32) -> String {
        libusb_error_name(code).map { String(cString: $0) } ?? "LIBUSB_ERROR \(code)"
    }

    func close() {
        guard !closed else { return }
        closed = true
        if claimed {
            _ = libusb_release_interface(handle, interface)
            // Give the interface back to the kernel driver it was taken from, if any.
            _ = libusb_attach_kernel_driver(handle, interface)
            claimed = false
        }
        libusb_close(handle)
    }
}
