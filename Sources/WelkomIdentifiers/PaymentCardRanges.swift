/// The card brands' issuer identification number (IIN) ranges and PAN lengths: the one table that
/// decides, with the Luhn check, whether a number is a payment card (privacy invariant 6).
///
/// Sources: ISO/IEC 7812-1 (the PAN: major industry identifier, IIN, Luhn check digit) and the
/// brands' published IIN tables — Visa, Mastercard (2-series since 2017), American Express,
/// Discover Global Network (Discover, Diners Club International, and its acceptance of JCB,
/// UnionPay, RuPay, Troy), JCB, UnionPay International (62 and the 81 range), Maestro, Mir (NSPK),
/// Verve, Troy, UATP — as gathered in the "Payment card number" IIN table of Wikipedia
/// (revision of 2024). When a brand publishes a new range, add a row here and a published test
/// PAN to `PaymentCardTests`; nothing else changes.
///
/// Ranges overlap (Maestro 56–69 covers Discover 65 and UnionPay 62): that is fine, a number is a
/// payment card when any row takes it. Lengths are what each brand issues; a wider table only
/// costs a retailer whose loyalty numbers fall in it an `allow_prefixes` entry, a narrower one
/// would let a card in.
public enum PaymentCardRanges {
    /// One row: PANs whose first `digits` digits lie in `low...high` and whose length is in `lengths`.
    public struct Range: Sendable, Equatable {
        public let brand: String
        public let low: Int
        public let high: Int
        /// How many leading digits `low` and `high` stand for.
        public let digits: Int
        public let lengths: ClosedRange<Int>
        /// Lengths within `lengths` the brand does not issue (Visa: 13, 16, 19 only).
        public let gaps: Set<Int>

        init(_ brand: String, _ low: Int, _ high: Int? = nil, lengths: ClosedRange<Int>, except gaps: Set<Int> = []) {
            self.brand = brand
            self.low = low
            self.high = high ?? low
            self.digits = String(low).count
            self.lengths = lengths
            self.gaps = gaps
        }

        /// Whether a PAN of these ASCII digit values (0…9) falls in this row.
        public func contains(_ pan: some Collection<UInt8>) -> Bool {
            guard lengths.contains(pan.count), !gaps.contains(pan.count) else { return false }
            var prefix = 0
            for d in pan.prefix(digits) { prefix = prefix * 10 + Int(d) }
            return (low...high).contains(prefix)
        }
    }

    /// Shortest and longest PAN of any brand (ISO/IEC 7812-1 allows 8–19; no brand issues fewer than 12).
    public static let lengths = 12...19

    public static let table: [Range] = [
        Range("Visa", 4, lengths: 13...19, except: [14, 15, 17, 18]),
        Range("Mastercard", 51, 55, lengths: 16...16),
        Range("Mastercard", 2221, 2720, lengths: 16...16),
        Range("American Express", 34, lengths: 15...15),
        Range("American Express", 37, lengths: 15...15),
        Range("Discover", 6011, lengths: 16...19),
        Range("Discover", 644, 649, lengths: 16...19),
        Range("Discover", 65, lengths: 16...19),
        Range("JCB", 3528, 3589, lengths: 16...19),
        Range("Diners Club", 300, 305, lengths: 14...19),
        Range("Diners Club", 3095, lengths: 14...19),
        Range("Diners Club", 36, lengths: 14...19),
        Range("Diners Club", 38, 39, lengths: 14...19),
        Range("UnionPay", 62, lengths: 16...19),
        Range("UnionPay", 81, lengths: 16...19),
        Range("Maestro", 50, lengths: 12...19),
        Range("Maestro", 56, 69, lengths: 12...19),
        Range("Mir", 2200, 2204, lengths: 16...19),
        Range("RuPay", 508, lengths: 16...16),
        Range("RuPay", 82, lengths: 16...16),
        Range("Verve", 506099, 506198, lengths: 16...19),
        Range("Verve", 650002, 650027, lengths: 16...19),
        Range("Troy", 9792, lengths: 16...16),
        Range("UATP", 1, lengths: 15...15),
    ]

    /// The brand whose range and length take these digit values (0…9), or nil. No Luhn check here.
    public static func brand(of pan: some Collection<UInt8>) -> String? {
        guard lengths.contains(pan.count) else { return nil }
        return table.first { $0.contains(pan) }?.brand
    }

    /// Whether `digits` (ASCII digits only) is a payment card number: a brand's range and length,
    /// and a valid Luhn check digit.
    public static func isPaymentCard(_ digits: String) -> Bool {
        let values = digits.utf8.map { $0 &- 48 }
        guard values.allSatisfy({ $0 <= 9 }), brand(of: values) != nil else { return false }
        return CardNumber.luhnValid(digits)
    }
}

/// Card-number prefixes a retailer declared its own (`[cards] allow_prefixes`): a number starting
/// with one is a loyalty number even where it looks like a payment card. An IIN is 6 or 8 digits,
/// so a prefix is at least 6 digits: a shorter one would let whole brands through.
public struct PaymentCardExemptions: Sendable, Equatable, Hashable {
    public let prefixes: [String]

    public static let none = PaymentCardExemptions(checked: [])
    public static let prefixLengths = 6...18

    /// Nil unless every prefix is 6–18 ASCII digits.
    public init?(prefixes: [String]) {
        guard prefixes.allSatisfy({ Self.problem(inPrefix: $0) == nil }) else { return nil }
        self.prefixes = prefixes
    }

    private init(checked: [String]) { prefixes = checked }

    /// Why `prefix` cannot be an allowed prefix, or nil when it can. Never repeats the value.
    public static func problem(inPrefix prefix: String) -> String? {
        guard prefix.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return "must hold digits only" }
        guard prefixLengths.contains(prefix.utf8.count) else {
            return "must be \(prefixLengths.lowerBound) to \(prefixLengths.upperBound) digits (an issuer prefix is 6 or 8; a shorter one would let whole card brands through)"
        }
        return nil
    }

    /// Whether the retailer declared numbers starting like `digits` its own.
    public func exempts(_ digits: some Collection<Unicode.Scalar>) -> Bool {
        guard !prefixes.isEmpty else { return false }
        let text = String(String.UnicodeScalarView(digits))
        return prefixes.contains { text.hasPrefix($0) }
    }
}
