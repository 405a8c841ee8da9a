import Foundation
import WelkomCore

/// One consent as `welkom consent list` shows it: what was agreed, never the key material.
public struct ConsentSummary: Sendable, Equatable {
    public var customer: CustomerID
    public var scopes: Set<Scope>
    public var name: String?
    public var language: Language
    public var hasBeaconKey: Bool
    public var cardCount: Int
    /// When this consent was (last) given.
    public var enrolled: Date
    public var expires: Date?
    public var consentTextVersion: String?
    public var note: String?
    public var hasEID: Bool
    public var hasIRK: Bool
    /// Static identifiers by kind only ("ibeacon", "address"): never their values.
    public var staticKinds: [String]
    public var tags: Set<String>

    public init(customer: CustomerID, scopes: Set<Scope>, name: String?, language: Language, hasBeaconKey: Bool,
                cardCount: Int, enrolled: Date, expires: Date?, consentTextVersion: String?, note: String?,
                hasEID: Bool = false, hasIRK: Bool = false, staticKinds: [String] = [], tags: Set<String> = []) {
        self.customer = customer
        self.scopes = scopes
        self.name = name
        self.language = language
        self.hasBeaconKey = hasBeaconKey
        self.cardCount = cardCount
        self.enrolled = enrolled
        self.expires = expires
        self.consentTextVersion = consentTextVersion
        self.note = note
        self.hasEID = hasEID
        self.hasIRK = hasIRK
        self.staticKinds = staticKinds
        self.tags = tags
    }
}
