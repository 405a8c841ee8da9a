/// What one read from a card reader turned out to be (docs/identifiers.md, loyalty cards).
///
/// A read may be a stranger's card, so a `CardCode` never prints its number: `description`
/// names only the kind of code. Only the recogniser (through `CardPseudonym`) looks inside.
public enum CardCode: Sendable, Equatable, CustomStringConvertible {
    /// A loyalty card number, normalised as the spec says: the digits alone for barcodes and
    /// stripes, "uid:" + lowercase hex for NFC UIDs.
    case loyalty(normalised: String, symbology: CardSymbology)
    /// A payment card (Luhn-valid PAN of 13–19 digits with a track service code). It is never a
    /// loyalty card: drop it at the reader, unmatched, unlogged (docs/privacy-invariants.md, invariant 6).
    case paymentCard
    /// Not a usable card number; the problem says why without repeating the code.
    case invalid(CardCodeProblem)

    public var description: String {
        switch self {
        case .loyalty(_, let symbology): "loyalty(\(symbology.rawValue))"
        case .paymentCard: "paymentCard"
        case .invalid(let problem): "invalid(\(problem))"
        }
    }
}
