import CUSB

/// Why a configured USB reader cannot be used right now, with what to do about it. Shared by
/// the readers' logs and `welkom doctor`, so both give the same advice.
public enum USBReaderProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// No device with this vendor:product (at this port) is connected.
    case notConnected(USBDeviceID, port: String?)
    /// The usbfs node is not writable by this user.
    case permissionDenied(USBDeviceID, node: String)
    /// Another program, or a kernel driver that could not be detached, holds the interface.
    case busy(USBDeviceID, interface: Int, driver: String?)
    /// The device has no interface/endpoint this reader kind needs.
    case unsuitable(USBDeviceID, String)
    /// Any other libusb failure.
    case libusb(USBError)

    /// The udev rules file hardware/udev/ ships for card readers.
    public static let udevRules = "hardware/udev/70-welkom-card-readers.rules"
    /// The modprobe file that keeps the kernel's NFC driver off the ACR122U.
    public static let pn533Blacklist = "hardware/modprobe.d/welkom-blacklist-pn533.conf"

    public var description: String {
        switch self {
        case .notConnected(let id, let port):
            "no USB device \(id)\(port.map { " at port \($0)" } ?? "") is connected"
        case .permissionDenied(let id, let node):
            "permission denied opening \(id) (\(node)): install \(Self.udevRules) into /etc/udev/rules.d/, "
                + "run `udevadm control --reload && udevadm trigger`, and replug the reader"
        case .busy(let id, let interface, let driver):
            if let driver {
                "interface \(interface) of \(id) is held by the kernel driver \(driver) and could not be detached: "
                    + Self.advice(driver: driver)
            } else {
                "interface \(interface) of \(id) is claimed by another program (another welkom, pcscd, a second [[reader]] entry?)"
            }
        case .unsuitable(let id, let what):
            "\(id) \(what)"
        case .libusb(let error):
            error.description
        }
    }

    /// What to do about a kernel driver that holds a reader.
    static func advice(driver: String) -> String {
        switch driver {
        case "pn533", "pn533_usb":
            "blacklist it (install \(pn533Blacklist) into /etc/modprobe.d/, then `modprobe -r pn533_usb pn533`)"
        default:
            "unbind it (`echo -n <interface> > /sys/bus/usb/drivers/\(driver)/unbind`) or run welkom with the right to detach it"
        }
    }
}

extension USBError {
    static func from(_ operation: String, _ code: Int32) -> USBError {
        let name = libusb_error_name(code).map { String(cString: $0) } ?? "LIBUSB_ERROR"
        return USBError(operation: operation, code: code, name: name)
    }
}
