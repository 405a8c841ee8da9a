import Foundation
import WelkomCore

/// One `[[offer]]` of the offer catalogue: shown to customers who allowed `offers`, on the days
/// it is valid, when their back-office tags match.
public struct OfferSettings: Sendable, Equatable {
    /// `id`: the catalogue's name for it (letters, digits, '.', '_', '-'; at most 64). Required, unique.
    public var id: String
    /// `text_nl`, `text_en`: what staff read. At least one; a missing one falls back to the other.
    public var textNL: String
    public var textEN: String
    /// `valid_from`, `valid_until`: "YYYY-MM-DD", local days, both included; "" = open-ended.
    public var validFrom: String
    public var validUntil: String
    /// `tags`: comma-separated tags it targets ("coffee, family"); "" targets everyone who allowed offers.
    public var tags: [String]

    public init(id: String, textNL: String = "", textEN: String = "", validFrom: String = "", validUntil: String = "",
                tags: [String] = []) {
        self.id = id
        self.textNL = textNL
        self.textEN = textEN
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.tags = tags
    }

    /// "YYYY-MM-DD" as (year, month, day), nil unless a real date.
    public static func day(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d) ? (y, m, d) : nil
    }
}

extension OfferSettings {
    /// Nil when the offer cannot be used as written (the issues are logged).
    static func read(_ s: inout ConfigSection) -> OfferSettings? {
        let id = s.string("id")
        let textNL = s.string("text_nl") ?? ""
        let textEN = s.string("text_en") ?? ""
        let from = s.string("valid_from") ?? ""
        let until = s.string("valid_until") ?? ""
        let tagsText = s.string("tags") ?? ""
        s.finish()
        var usable = true
        guard let id else {
            if !s.contains("id") { s.report("id", "missing; every [[offer]] needs an id") }
            return nil
        }
        if id.isEmpty || id.count > 64 || !id.unicodeScalars.allSatisfy(Self.isIDScalar) {
            s.report("id", "\(TOMLWriter.quoted(id)) must be 1-64 letters, digits, '.', '_' or '-'")
            usable = false
        }
        for (key, value) in [("text_nl", textNL), ("text_en", textEN)] {
            if let problem = FieldLimits.problem(inText: value, limit: FieldLimits.offerText) {
                s.report(key, problem)
                usable = false
            }
        }
        if textNL.allSatisfy(\.isWhitespace) && textEN.allSatisfy(\.isWhitespace) {
            s.report(s.contains("text_nl") ? "text_nl" : "text_en", "an offer needs text_nl or text_en (or both)")
            usable = false
        }
        for (key, value) in [("valid_from", from), ("valid_until", until)] where !value.isEmpty && day(value) == nil {
            s.report(key, "expected a date as \"YYYY-MM-DD\", or \"\" for open-ended; found \(TOMLWriter.quoted(value))")
            usable = false
        }
        if let a = day(from), let b = day(until), (b.year, b.month, b.day) < (a.year, a.month, a.day) {
            s.report("valid_until", "\(until) is before valid_from \(from)")
            usable = false
        }
        let tags = tagsText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard usable else { return nil }
        return OfferSettings(id: id, textNL: textNL, textEN: textEN, validFrom: from, validUntil: until, tags: tags)
    }

    private static func isIDScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-"
    }

    func render(into w: inout TOMLWriter) {
        w.arrayTable("offer")
        w.key("id", id)
        w.key("text_nl", textNL)
        w.key("text_en", textEN)
        w.key("valid_from", validFrom)
        w.key("valid_until", validUntil)
        w.key("tags", tags.joined(separator: ", "))
    }
}
