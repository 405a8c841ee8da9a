import struct Foundation.Date

/// Something for staff to read at one till: the policy makes it, the ledger records it,
/// the till hub shows it. Its text already holds only what the customer's scopes allow.
public struct Prompt: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var kind: PromptKind
    public var customer: CustomerID
    public var till: TillID
    public var scheme: Scheme
    public var language: Language
    /// The line staff read, e.g. "Welkom terug, Anna".
    public var text: String
    public var created: Date
    /// After this the till page drops it on its own.
    public var expires: Date
    /// The scopes the customer gave, shown with the prompt so staff know what they may say;
    /// nil for a note that belongs to no consent (a card marked "do not ask").
    public var scopes: Set<Scope>? = nil

    public init(id: String, kind: PromptKind, customer: CustomerID, till: TillID, scheme: Scheme,
                language: Language, text: String, created: Date, expires: Date) {
        self.id = id
        self.kind = kind
        self.customer = customer
        self.till = till
        self.scheme = scheme
        self.language = language
        self.text = text
        self.created = created
        self.expires = expires
    }
}

public enum PromptKind: String, Sendable, Codable, CaseIterable {
    case greeting
    case offer
    case note
}

/// What staff did with a prompt at the till.
public enum TillAction: Sendable, Equatable {
    case acknowledge(promptID: String, till: TillID)
    case dismiss(promptID: String, till: TillID)
}
