/// How a loyalty card number reached the reader. Safe to log and to use as a metric label:
/// it names a kind of code, never a code.
public enum CardSymbology: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// An EAN-13 (or UPC-A sent as 13 digits) barcode whose check digit was verified.
    case ean13 = "ean13"
    /// An EAN-8 barcode whose check digit was verified.
    case ean8 = "ean8"
    /// Any other all-digit barcode (Code 128 numeric, ITF, Codabar digits): no check to verify.
    case numeric = "numeric"
    /// A barcode with letters as well as digits (Code 128 text, a QR payload): its digits alone.
    case text = "text"
    /// ISO/IEC 7813 magnetic stripe, track 1 (`%B…^…?`): the PAN field's digits.
    case track1 = "track1"
    /// ISO/IEC 7813 magnetic stripe, track 2 (`;…=…?`): the PAN field's digits.
    case track2 = "track2"
    /// An NFC card UID (4, 7 or 10 bytes), normalised as "uid:" + lowercase hex.
    case nfcUID = "nfc-uid"
}
