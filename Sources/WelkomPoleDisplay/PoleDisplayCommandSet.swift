/// The command sets of 2×20 customer line displays, and the exact bytes each needs.
///
/// - `escpos`: Epson's ESC/POS for customer displays (DM-D series and the many compatibles):
///   `ESC @` initialise, `ESC t n` character code table, `CLR` (0x0C) clear,
///   `US $ x y` (0x1F 0x24) move the cursor to column x, line y (1-based).
/// - `cd5220`: the CD5220 set: `ESC @` initialise, `ESC t n` code table, `CLR` clear,
///   `ESC Q A text CR` upper line, `ESC Q B text CR` lower line.
///
/// Lines are always written whole (20 characters, space-padded), so an old greeting never
/// shows through a shorter new one.
public enum PoleDisplayCommandSet: String, Sendable, CaseIterable {
    case escpos
    case cd5220

    public static let columns = 20

    /// Sent once after the port is opened: reset, then select the code page.
    public func initialise(codePage: UInt8) -> [UInt8] {
        [0x1B, 0x40, 0x1B, 0x74, codePage]
    }

    /// Both lines, each encoded in cp858 and cut or padded to 20 columns.
    public func show(_ line1: String, _ line2: String) -> [UInt8] {
        let upper = Self.fit(line1)
        let lower = Self.fit(line2)
        switch self {
        case .escpos:
            return [0x1F, 0x24, 0x01, 0x01] + upper + [0x1F, 0x24, 0x01, 0x02] + lower
        case .cd5220:
            return [0x1B, 0x51, 0x41] + upper + [0x0D] + [0x1B, 0x51, 0x42] + lower + [0x0D]
        }
    }

    /// Blank display.
    public func clear() -> [UInt8] {
        [0x0C]
    }

    static func fit(_ text: String) -> [UInt8] {
        let bytes = CodePage858.encode(text)
        return Array(bytes.prefix(columns)) + Array(repeating: UInt8(ascii: " "), count: max(0, columns - bytes.count))
    }
}
