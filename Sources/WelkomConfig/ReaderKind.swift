/// What sort of card reader a `[[reader]]` is; the spelling is the config's.
public enum ReaderKind: String, Sendable, Equatable, CaseIterable {
    /// A USB HID keyboard-wedge barcode scanner or magstripe reader (libusb).
    case hidKeyboard = "hid-keyboard"
    /// A USB HID point-of-sale scanner (libusb).
    case hidPOS = "hid-pos"
    /// An ACS ACR122U NFC reader (CCID over libusb).
    case acr122u
    /// A Linux input device, read from /dev/input/eventN.
    case evdev
    /// A serial scanner (a tty such as /dev/ttyACM0).
    case serial

    /// Kinds found by USB vendor:product through libusb; these need `usb`.
    public var usesLibUSB: Bool {
        switch self {
        case .hidKeyboard, .hidPOS, .acr122u: true
        case .evdev, .serial: false
        }
    }

    /// "a serial", "an evdev": for messages.
    var withArticle: String {
        switch self {
        case .acr122u, .evdev: "an \(rawValue)"
        default: "a \(rawValue)"
        }
    }

    /// Kinds opened by a device path; these need `path`.
    public var usesPath: Bool { !usesLibUSB }
}
