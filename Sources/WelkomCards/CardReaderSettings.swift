import WelkomCore
import WelkomIdentifiers

/// One card reader as the agent opens it: what it is, how it is found, and the till it stands at.
/// Each kind carries exactly what it needs, so a reader without its device cannot be described.
public struct CardReaderSettings: Sendable, Equatable {
    public enum Device: Sendable, Equatable {
        /// A USB HID keyboard-wedge barcode scanner or magstripe reader (libusb). `port`, the USB
        /// port path ("1-1.3"), tells two readers with the same ID apart; nil takes the first.
        case hidKeyboard(USBDeviceID, port: String?, layout: KeyboardLayout)
        /// A USB HID point-of-sale scanner (libusb).
        case hidPOS(USBDeviceID, port: String?)
        /// An ACS ACR122U NFC reader (CCID over libusb).
        case acr122u(USBDeviceID, port: String?)
        /// A Linux input device, /dev/input/eventN.
        case evdev(path: String, layout: KeyboardLayout)
        /// A serial scanner on a tty such as /dev/ttyACM0.
        case serial(path: String, baud: Int)
    }

    public var device: Device
    public var till: TillID
    /// The shop's own card ranges that look like payment cards (`[cards] allow_prefixes`); every
    /// other payment card is dropped at this reader.
    public var exemptions: PaymentCardExemptions

    public init(device: Device, till: TillID, exemptions: PaymentCardExemptions = .none) {
        self.device = device
        self.till = till
        self.exemptions = exemptions
    }
}
