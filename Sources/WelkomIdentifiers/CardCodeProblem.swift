/// Why a read from a card reader is not a usable card number.
///
/// Every case holds only counts, positions, check digits and fixed words, never the code itself:
/// the code might be someone's payment card or a stranger's loyalty card, and the description is
/// meant for log lines (privacy invariant 2).
public enum CardCodeProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing left after removing the line end and surrounding spaces.
    case emptyLine
    /// A control character (C0, DEL or C1) at this 1-based position of the line.
    case controlCharacter(position: Int)
    /// The bytes are not UTF-8 text; the first bad byte is at this 1-based position.
    case notUTF8(position: Int)
    /// An EAN barcode whose last digit does not match the GS1 check digit of the others.
    case checkDigit(symbology: CardSymbology, found: UInt8, expected: UInt8)
    /// The scanner said "EAN/UPC" (AIM identifier `]E…`) but sent neither 8 nor 13 digits.
    case eanLength(digits: Int)
    /// Fewer digits than any card number has.
    case tooFewDigits(count: Int, minimum: Int)
    /// More digits than any card number has.
    case tooManyDigits(count: Int, maximum: Int)
    /// A code of this many characters without a single digit.
    case noDigits(length: Int)
    /// A magnetic-stripe line that breaks ISO/IEC 7813.
    case malformedTrack(track: Int, defect: TrackDefect)
    /// An NFC UID that is not 4, 7 or 10 bytes long.
    case uidLength(bytes: Int)
    /// A reader sent more than this many bytes without a line end: garbage, discarded.
    case lineTooLong(limit: Int)
    /// A reader sent part of a line and then fell silent for this many milliseconds: a partial
    /// read (a scanner sends a whole code in one burst), discarded so it cannot merge with the
    /// next code.
    case partialRead(silenceMilliseconds: Int)
    /// A keyboard-wedge scanner pressed a key that types nothing in the configured layout
    /// (a function key, Ctrl+…) at this 1-based position of the code: wrong layout or garbage.
    case unmappedKey(position: Int)
    /// A reader's report or frame that breaks its protocol (HID-POS, CCID); fixed words only.
    case malformedReport(String)

    public enum TrackDefect: String, Sendable, Equatable {
        case noEndSentinel = "has no end sentinel '?'"
        case noFormatCode = "has no format code letter after '%'"
        case noFieldSeparator = "has no field separator '^' after the PAN"
        case nonDigitInPAN = "has a PAN field with a character that is not a digit"
        case panLength = "has a PAN field that is not 4 to 19 digits long"
    }

    public var description: String {
        switch self {
        case .emptyLine:
            "empty line"
        case .controlCharacter(let position):
            "control character at position \(position)"
        case .notUTF8(let position):
            "not UTF-8 text (bad byte at position \(position))"
        case .checkDigit(let symbology, let found, let expected):
            "\(Self.name(symbology)) check digit is \(found), expected \(expected)"
        case .eanLength(let digits):
            "EAN barcode with \(digits) digits (expected 8 or 13)"
        case .tooFewDigits(let count, let minimum):
            "only \(count) digit\(count == 1 ? "" : "s"), a card number has at least \(minimum)"
        case .tooManyDigits(let count, let maximum):
            "\(count) digits, a card number has at most \(maximum)"
        case .noDigits(let length):
            "no digits in a code of \(length) characters"
        case .malformedTrack(let track, let defect):
            "magnetic stripe track \(track) \(defect.rawValue)"
        case .uidLength(let bytes):
            "NFC UID of \(bytes) bytes (expected 4, 7 or 10)"
        case .lineTooLong(let limit):
            "line longer than \(limit) bytes discarded as garbage"
        case .partialRead(let ms):
            "partial code discarded (no line end within \(ms) ms)"
        case .unmappedKey(let position):
            "a key at position \(position) types nothing in the configured keyboard layout"
        case .malformedReport(let what):
            "malformed reader report: \(what)"
        }
    }

    private static func name(_ symbology: CardSymbology) -> String {
        switch symbology {
        case .ean13: "EAN-13"
        case .ean8: "EAN-8"
        default: symbology.rawValue
        }
    }
}
