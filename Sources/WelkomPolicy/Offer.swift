import WelkomCore

/// One entry of the offer catalogue: shown only to customers who allowed `offers`, only on
/// the days it is valid, and only to customers whose back-office tags it targets.
public struct Offer: Sendable, Equatable, Identifiable {
    public var id: String
    /// The offer's words per language; a language missing here falls back to the other.
    public var text: [Language: String]
    /// First and last local day it is valid on, both included; nil means open-ended.
    public var validFrom: CalendarDay?
    public var validUntil: CalendarDay?
    /// Customers with any of these tags see it; empty targets every customer who allowed offers.
    public var tags: Set<String>

    public init(id: String, text: [Language: String], validFrom: CalendarDay? = nil, validUntil: CalendarDay? = nil,
                tags: Set<String> = []) {
        self.id = id
        self.text = text
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.tags = tags
    }

    public func isValid(on day: CalendarDay) -> Bool {
        if let validFrom, day < validFrom { return false }
        if let validUntil, validUntil < day { return false }
        return true
    }

    public func targets(_ customerTags: Set<String>) -> Bool {
        tags.isEmpty || !tags.isDisjoint(with: customerTags)
    }

    /// The text in `language`, else in any language it has (nl first), else nil.
    public func text(in language: Language) -> String? {
        if let t = text[language], !t.isEmpty { return t }
        return Language.allCases.lazy.compactMap { self.text[$0] }.first { !$0.isEmpty }
    }
}
