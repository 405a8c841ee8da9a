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
    /// Eddystone-EID beacon: identity key, rotation exponent, epoch.
    public var eid: EIDRegistration?
    /// Identity resolving key of a paired fob or phone (RPAs).
    public var irk: Block128?
    /// iBeacon/AltBeacon IDs and fixed addresses; matched only where static identifiers are allowed.
    public var staticIdentifiers: [StaticIdentifier]
    /// Back-office tags that offers target ("coffee", "family"): letters, digits, '-', '_', '.'.
    public var tags: Set<String>

    public init(customer: CustomerID, scopes: Set<Scope>, name: String? = nil, language: Language = .nl,
                beaconKey: Block128? = nil, cards: [String] = [], expires: Date? = nil,
                consentTextVersion: String? = nil, note: String? = nil, eid: EIDRegistration? = nil,
                irk: Block128? = nil, staticIdentifiers: [StaticIdentifier] = [], tags: Set<String> = []) {
        self.customer = customer
        self.scopes = scopes
        self.name = name
        self.language = language
        self.beaconKey = beaconKey
        self.cards = cards
        self.expires = expires
        self.consentTextVersion = consentTextVersion
        self.note = note
        self.eid = eid
        self.irk = irk
        self.staticIdentifiers = staticIdentifiers
        self.tags = tags
    }

    /// Why this enrolment breaks `FieldLimits`, as (field, problem), or nil. The registry checks
    /// it again before storing (defence in depth); the consent service's forms check it first with
    /// their own option names. Never repeats a value.
    public var fieldLimitProblem: (field: String, problem: String)? {
        if let p = FieldLimits.problem(inID: customer) { return ("customer ID", p) }
        if let name, let p = FieldLimits.problem(inText: name, limit: FieldLimits.name) { return ("name", p) }
        if let note, let p = FieldLimits.problem(inText: note, limit: FieldLimits.note) { return ("note", p) }
        if let v = consentTextVersion, let p = FieldLimits.problem(inID: v, limit: FieldLimits.consentTextVersion) {
            return ("consent text version", p)
        }
        if tags.count > FieldLimits.tagsPerCustomer {
            return ("tags", "\(tags.count) tags, at most \(FieldLimits.tagsPerCustomer) allowed")
        }
        if cards.count > FieldLimits.cardsPerCustomer {
            return ("cards", "\(cards.count) cards, at most \(FieldLimits.cardsPerCustomer) allowed")
        }
        return nil
    }

    /// Whether a tag is spelled so that it survives the comma-separated column and a URL.
    public static func isValidTag(_ tag: String) -> Bool {
        !tag.isEmpty && tag.utf8.count <= FieldLimits.tag && tag.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
    }
}
