/// One `[[pole_display]]`: a customer-facing 2×20 line display at a till, on a serial or
/// USB-serial port, that shows a short greeting and clears itself.
public struct PoleDisplaySettings: Sendable, Equatable {
    /// `till`: the `[[till]]` it stands at. Required.
    public var till: String
    /// `path`: the serial device, such as /dev/ttyUSB0. Required, absolute.
    public var path: String
    /// `protocol`: escpos (Epson DM-D and compatibles) | cd5220.
    public var commandSet: PoleDisplayProtocol
    /// `baud`: line speed. Default 9600.
    public var baud: Int
    /// `clear_after_seconds`: the greeting is cleared after this long. 1…3600, default 10.
    public var clearAfterSeconds: Int
    /// `code_page`: the display's number for code page 858 (cp858, with €), sent with ESC t.
    /// Default 19 (Epson's number); 0…255.
    public var codePage: Int

    public static let defaultBaud = 9600
    public static let clearAfterRange = 1...3600

    public init(till: String, path: String, commandSet: PoleDisplayProtocol = .escpos, baud: Int = PoleDisplaySettings.defaultBaud,
                clearAfterSeconds: Int = 10, codePage: Int = 19) {
        self.till = till
        self.path = path
        self.commandSet = commandSet
        self.baud = baud
        self.clearAfterSeconds = clearAfterSeconds
        self.codePage = codePage
    }
}

extension PoleDisplaySettings {
    /// Nil when the display cannot be used as written (the issues are logged).
    static func read(_ s: inout ConfigSection, tills: Set<String>?) -> PoleDisplaySettings? {
        let till = s.string("till")
        let path = s.string("path")
        let commandSet = s.choice("protocol", of: PoleDisplayProtocol.self)
        let baud = s.integer("baud", in: 1...Int.max)
        let clearAfter = s.integer("clear_after_seconds", in: clearAfterRange)
        let codePage = s.integer("code_page", in: 0...255)
        s.finish()
        var usable = true
        if let till {
            if let tills, !tills.contains(till) {
                s.report("till", "\(TOMLWriter.quoted(till)) is not a configured till (configured: \(tills.sorted().map { TOMLWriter.quoted($0) }.joined(separator: ", ")))")
                usable = false
            }
        } else {
            if !s.contains("till") { s.report("till", "missing; every [[pole_display]] must name the [[till]] it stands at") }
            usable = false
        }
        if let path {
            if !path.hasPrefix("/") {
                s.report("path", "expected an absolute device path (such as /dev/ttyUSB0), found \(TOMLWriter.quoted(path))")
                usable = false
            }
        } else {
            if !s.contains("path") { s.report("path", "missing; every [[pole_display]] needs path = the serial device (such as /dev/ttyUSB0)") }
            usable = false
        }
        if let baud, !ReaderSettings.baudRates.contains(baud) {
            s.report("baud", "\(baud) is not a serial line speed; expected one of \(ReaderSettings.baudRates.map(String.init).joined(separator: ", "))")
            usable = false
        }
        if commandSet == nil && s.contains("protocol") { usable = false }
        if (clearAfter == nil && s.contains("clear_after_seconds")) || (codePage == nil && s.contains("code_page"))
            || (baud == nil && s.contains("baud")) { usable = false }
        guard usable, let till, let path else { return nil }
        return PoleDisplaySettings(till: till, path: path, commandSet: commandSet ?? .escpos, baud: baud ?? defaultBaud,
                                   clearAfterSeconds: clearAfter ?? 10, codePage: codePage ?? 19)
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("pole_display")
        w.key("till", till)
        w.key("path", path)
        w.key("protocol", commandSet.rawValue)
        w.key("baud", baud)
        w.key("clear_after_seconds", clearAfterSeconds)
        w.key("code_page", codePage)
    }
}
