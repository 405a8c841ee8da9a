/// `[cards]`: how the card readers and enrolment tell the shop's loyalty cards from payment cards.
public struct CardSettings: Sendable, Equatable {
    /// `allow_prefixes`: card-number prefixes (6–18 digits each) that are the shop's own loyalty
    /// numbers although they fall in a payment card brand's range (privacy invariant 6). Empty by
    /// default: every number that is a brand's PAN is dropped at the reader and refused at enrolment.
    public var allowPrefixes: [String]

    public init(allowPrefixes: [String] = []) {
        self.allowPrefixes = allowPrefixes
    }

    /// Shortest and longest prefix: an issuer prefix is 6 or 8 digits, so a shorter one would let
    /// whole card brands through; a PAN has at most 19 digits, and a prefix must leave some.
    public static let prefixLengths = 6...18

    /// Why `prefix` cannot be allowed, or nil. Never repeats the value: it may be half a PAN.
    static func problem(inPrefix prefix: String) -> String? {
        guard !prefix.isEmpty, prefix.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return "must hold digits only"
        }
        guard prefixLengths.contains(prefix.utf8.count) else {
            return "must be \(prefixLengths.lowerBound) to \(prefixLengths.upperBound) digits long, found \(prefix.utf8.count) "
                + "(an issuer prefix is 6 or 8 digits; a shorter one would let whole card brands through)"
        }
        return nil
    }
}

extension CardSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let prefixes = s.strings("allow_prefixes") {
            var usable = true
            for (i, prefix) in prefixes.enumerated() {
                if let problem = Self.problem(inPrefix: prefix) {
                    s.report("allow_prefixes", "element \(i + 1) \(problem)")
                    usable = false
                }
            }
            if usable { allowPrefixes = prefixes }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("cards")
        w.key("allow_prefixes", allowPrefixes)
    }
}
