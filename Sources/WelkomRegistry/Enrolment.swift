import Foundation
import WelkomCore

/// One customer's opt-in as the back office hands it over (`welkom consent enroll`, `import`).
/// Card numbers arrive already normalised (WelkomIdentifiers.CardNumber) and are turned into
/// pseudonyms before anything is stored; the numbers themselves are never written.
public struct Enrolment: Sendable, Equatable {
    public var customer: CustomerID
    public var scopes: Set<Scope>
    public var name: String?
    public var language: Language
    /// WLK1 beacon key of the customer's app or fob.
    public var beaconKey: Block128?
    /// Normalised card numbers: 4–40 digits, or "uid:" and lowercase hex of a 4, 7 or 10-byte UID.
    public var cards: [String]
    /// When the consent lapses on its own; must lie in the future.
    public var expires: Date?
    /// Which consent text the customer agreed to (for the privacy officer).
    public var consentTextVersion: String?
    /// Free text for the back office; holds no identifier.
    public var note: String?

    public init(customer: CustomerID, scopes: Set<Scope>, name: String? = nil, language: Language = .nl,
                beaconKey: Block128? = nil, cards: [String] = [], expires: Date? = nil,
                consentTextVersion: String? = nil, note: String? = nil) {
        self.customer = customer
        self.scopes = scopes
        self.name = name
        self.language = language
        self.beaconKey = beaconKey
        self.cards = cards
        self.expires = expires
        self.consentTextVersion = consentTextVersion
        self.note = note
    }
}
