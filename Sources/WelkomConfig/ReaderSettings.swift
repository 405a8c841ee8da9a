/// One `[[reader]]`: a loyalty-card reader and the till it stands at.
public struct ReaderSettings: Sendable, Equatable {
    /// `kind`: hid-keyboard | hid-pos | acr122u | evdev | serial. Required.
    public var kind: ReaderKind
    /// `usb`: `vvvv:pppp`, required for the libusb kinds (hid-keyboard, hid-pos, acr122u).
    public var usb: USBDeviceID?
    /// `path`: the device, required for evdev (/dev/input/eventN) and serial (/dev/ttyACM0).
    public var path: String
    /// `layout`: the keyboard layout of a keyboard-wedge scanner. Default us.
    public var layout: KeyboardLayout
    /// `till`: the `[[till]]` id whose display shows this reader's customers. Required.
    public var till: String
    /// `baud`: line speed of a serial reader. Default 9600.
    public var baud: Int
    /// `port`: the USB port path ("1-1.3", as in /sys/bus/usb/devices) that tells two readers
    /// with the same vendor:product apart. Empty: the first such device. libusb kinds only.
    public var port: String

    public static let defaultBaud = 9600
    /// The rates a Linux tty can be set to that scanners use.
    public static let baudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]

    public init(kind: ReaderKind, till: String, usb: USBDeviceID? = nil, path: String = "",
                layout: KeyboardLayout = .us, baud: Int = ReaderSettings.defaultBaud, port: String = "") {
        self.kind = kind
        self.usb = usb
        self.path = path
        self.layout = layout
        self.till = till
        self.baud = baud
        self.port = port
    }
}

extension ReaderSettings {
    /// Nil when the reader cannot be used as written (the issues are logged).
    /// `tills`: the configured till ids, or nil when the tills themselves were wrong
    /// (then a reader's till is not checked, rather than reported for the wrong reason).
    static func read(_ s: inout ConfigSection, tills: Set<String>?) -> ReaderSettings? {
        let kind = s.choice("kind", of: ReaderKind.self)
        let kindGiven = s.contains("kind")
        let usbText = s.string("usb") ?? ""
        let path = s.string("path") ?? ""
        let layout = s.choice("layout", of: KeyboardLayout.self)
        let till = s.string("till")
        let baud = s.integer("baud", in: 1...Int.max)
        let port = s.string("port") ?? ""
        s.finish()

        var usable = true
        if !kindGiven {
            s.report("kind", "missing; every [[reader]] needs a kind: \(ReaderKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kind == nil { usable = false }
        if let till {
            if let tills, !tills.contains(till) {
                let known = tills.sorted().map { TOMLWriter.quoted($0) }.joined(separator: ", ")
                s.report("till", "\(TOMLWriter.quoted(till)) is not a configured till (configured: \(known))")
                usable = false
            }
        } else {
            if !s.contains("till") {
                s.report("till", "missing; every [[reader]] must name the [[till]] it stands at")
            }
            usable = false
        }

        var usb: USBDeviceID?
        if !usbText.isEmpty {
            usb = USBDeviceID(usbText)
            if usb == nil {
                s.report("usb", "expected vendor:product as four hex digits each (such as \"0c2e:0b61\"), found \(TOMLWriter.quoted(usbText))")
                usable = false
            }
        }
        if let baud, !baudRates.contains(baud) {
            s.report("baud", "\(baud) is not a serial line speed; expected one of \(baudRates.map(String.init).joined(separator: ", "))")
            usable = false
        }
        if layout == nil && s.contains("layout") { usable = false }

        if let kind {
            if kind.usesLibUSB {
                if usbText.isEmpty {
                    // On the usb line when written as "", else on the reader's header.
                    s.report("usb", "\(kind.withArticle) reader needs usb = \"vvvv:pppp\" (its vendor and product ID, as lsusb shows them)")
                    usable = false
                }
                if !path.isEmpty {
                    s.report("path", "path applies only to evdev and serial readers; \(kind.withArticle) reader is found by usb")
                    usable = false
                }
                if !port.isEmpty, !Self.isPortPath(port) {
                    s.report("port", "expected a USB port path such as \"1-1.3\" (bus-port.port…, as in /sys/bus/usb/devices), found \(TOMLWriter.quoted(port))")
                    usable = false
                }
            } else {
                if path.isEmpty {
                    let example = kind == .serial ? "/dev/ttyACM0" : "/dev/input/event7"
                    s.report("path", "\(kind.withArticle) reader needs path = the device (such as \(example))")
                    usable = false
                } else if !path.hasPrefix("/") {
                    s.report("path", "expected an absolute device path, found \(TOMLWriter.quoted(path))")
                    usable = false
                }
                if !usbText.isEmpty {
                    s.report("usb", "usb applies only to hid-keyboard, hid-pos and acr122u readers; \(kind.withArticle) reader is found by path")
                    usable = false
                }
                if !port.isEmpty {
                    s.report("port", "port applies only to hid-keyboard, hid-pos and acr122u readers; \(kind.withArticle) reader is found by path")
                    usable = false
                }
            }
            if kind != .serial, let baud, baud != defaultBaud {
                s.report("baud", "baud applies only to serial readers")
                usable = false
            }
        }

        guard usable, let kind, let till else { return nil }
        return ReaderSettings(kind: kind, till: till, usb: usb, path: path,
                              layout: layout ?? .us, baud: baud ?? defaultBaud, port: port)
    }

    /// "1-1.3": a bus number, a dash, then port numbers joined by dots (1…7 tiers).
    static func isPortPath(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let bus = Int(parts[0]), bus > 0 else { return false }
        let ports = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return (1...7).contains(ports.count) && ports.allSatisfy { Int($0).map { $0 > 0 && $0 < 256 } ?? false }
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("reader")
        w.key("kind", kind.rawValue)
        w.key("usb", usb?.description ?? "")
        w.key("path", path)
        w.key("layout", layout.rawValue)
        w.key("till", till)
        w.key("baud", baud)
        w.key("port", port)
    }
}
