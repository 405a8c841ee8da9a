#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CUSB
import Foundation

/// What `welkom doctor` finds out about the machine's readers without reading a single card:
/// which USB devices are present and which kernel driver holds each, and whether each configured
/// reader can be opened — and if not, why and what to do.
public enum ReaderProbe {
    /// A USB device and the kernel driver bound to its first interface (sysfs), if any.
    public struct USBDevice: Sendable, Equatable {
        public var info: USBDeviceInfo
        public var product: String?
        public var driver: String?
    }

    /// Every USB device, with its product string and kernel driver from sysfs.
    public static func usbDevices() throws(USBError) -> [USBDevice] {
        try USBInventory.devices().map { info in
            let product = try? String(contentsOfFile: "/sys/bus/usb/devices/\(info.port)/product", encoding: .utf8)
            return USBDevice(info: info, product: product?.trimmingCharacters(in: .whitespacesAndNewlines),
                             driver: USBReaderDevice.kernelDriver(of: info, interface: 0))
        }
    }

    /// The outcome of trying one configured reader.
    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        /// Opened (and for USB, claimed) and released again: the agent can use it.
        case usable(at: String)
        /// A kernel driver holds it that the agent detaches when it starts (usbhid).
        case detachable(at: String, driver: String)
        case problem(String)

        public var isUsable: Bool {
            if case .problem = self { false } else { true }
        }

        public var description: String {
            switch self {
            case .usable(let at): "ok: opens and claims at \(at)"
            case .detachable(let at, let driver):
                "ok: found at \(at); the kernel driver \(driver) holds it and welkom detaches it when it starts"
            case .problem(let why): "cannot be used: \(why)"
            }
        }
    }

    /// Tries `reader` as the agent would open it, then lets go at once.
    public static func check(_ reader: CardReaderSettings) -> Outcome {
        switch reader.device {
        case .hidKeyboard(let id, let port, _), .hidPOS(let id, let port):
            return checkUSB(id, port: port, interfaceClass: .hid)
        case .acr122u(let id, let port):
            return checkUSB(id, port: port, interfaceClass: .ccid)
        case .evdev(let path, _):
            return checkPath(path, serial: false)
        case .serial(let path, _):
            return checkPath(path, serial: true)
        }
    }

    private static func checkUSB(_ id: USBDeviceID, port: String?, interfaceClass: USBReaderDevice.InterfaceClass) -> Outcome {
        var context: OpaquePointer?
        let initialised = libusb_init(&context)
        guard initialised == 0, let context else { return .problem(USBError.from("init", initialised).description) }
        defer { libusb_exit(context) }
        do {
            let device = try USBReaderDevice.open(context: context, id: id, port: port,
                                                  interfaceClass: interfaceClass, detach: false)
            let at = device.info.port
            device.close()
            return .usable(at: at)
        } catch {
            // The kernel's HID driver is expected on a scanner: the agent detaches it. A driver
            // that grabs the reader back (pn533 on the ACR122U) must be blacklisted instead.
            if case .busy(_, _, let driver?) = error, driver == "usbhid", interfaceClass != .ccid,
               let info = try? USBInventory.devices().first(where: {
                   $0.vendor == id.vendor && $0.product == id.product && (port == nil || $0.port == port)
               }) {
                return .detachable(at: info.port, driver: driver)
            }
            return .problem(error.description)
        }
    }

    private static func checkPath(_ path: String, serial: Bool) -> Outcome {
        let flags = serial ? O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC : O_RDONLY | O_NONBLOCK | O_CLOEXEC
        let fd = open(path, flags)
        guard fd >= 0 else {
            let e = errno
            let reason = String(cString: strerror(e))
            switch e {
            case ENOENT: return .problem("\(path) does not exist (not plugged in, or the wrong path)")
            case EACCES, EPERM:
                return .problem("permission denied opening \(path): install \(USBReaderProblem.udevRules) "
                    + "into /etc/udev/rules.d/ and add the welkom user to the group it names")
            default: return .problem("\(path): \(reason)")
            }
        }
        defer { close(fd) }
        if !serial {
            guard ioctl(fd, EvdevSource.grab, 1) == 0 else {
                let e = errno
                return .problem(e == EBUSY ? "\(path) is grabbed by another program (a running welkom?)"
                                           : "\(path): EVIOCGRAB failed: \(String(cString: strerror(e)))")
            }
            _ = ioctl(fd, EvdevSource.grab, 0)
        } else {
            var t = termios()
            guard tcgetattr(fd, &t) == 0 else { return .problem("\(path) is not a serial line (tcgetattr failed)") }
        }
        return .usable(at: path)
    }
}
