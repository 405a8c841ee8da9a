import WelkomCore

/// The consent changes the till pages start, carried out by the agent (which has the consent
/// service and the applier); the hub only authorises the display, keeps the desk's session and
/// finds whose prompt it was.
public protocol TillConsentDesk: Sendable {
    /// The customer behind a prompt withdraws at the till: returns once the withdrawal is in
    /// effect (tables no longer match, prompts are off every till, ledger unlinked), as
    /// `welkom consent withdraw` does. `pairing` is the display's pairing, for the receipt.
    func withdraw(customer: CustomerID, till: TillID, pairing: String?) async throws

    /// The customer withdraws at the desk by their card (normalised): their consent, or the card's
    /// "do not ask" marker, is withdrawn and in effect when this returns. False when the card
    /// belongs to neither.
    func withdraw(card: String, till: TillID, pairing: String?) async throws -> Bool

    /// The consent texts a customer may read at the desk, newest version per language.
    func consentTexts() async -> [DeskConsentText]

    /// A card number typed at the desk, normalised as a reader would; a payment card or a
    /// malformed number is refused with the reason to show.
    func checkCard(_ typed: String) -> Result<String, DeskRefusal>

    /// Records the consent the customer confirmed (channel `till`, the desk's pairing, the text's
    /// hash in the receipt) and has the agent load it before returning.
    func enrol(_ request: DeskEnrolmentRequest) async throws -> DeskEnrolmentResult

    /// The customer declined and asked not to be asked again: the card's pseudonym is marked
    /// "do not ask", with its own receipt and nothing else.
    func doNotAsk(card: String, till: TillID, pairing: String?) async throws
}

/// One consent text as the customer page shows it.
public struct DeskConsentText: Sendable, Equatable, Codable {
    public var language: Language
    public var version: String
    public var text: String

    public init(language: Language, version: String, text: String) {
        self.language = language
        self.version = version
        self.text = text
    }
}

/// What the customer confirmed on the customer page.
public struct DeskEnrolmentRequest: Sendable, Equatable {
    public var till: TillID
    public var pairing: String?
    /// The normalised card number (scanned or typed); kept only in memory until now.
    public var card: String
    public var scopes: Set<Scope>
    public var language: Language
    /// The name staff may use (only with the `name` scope).
    public var name: String?
    /// Whether to make a WLK1 beacon key for the customer's phone or fob.
    public var wantsKey: Bool

    public init(till: TillID, pairing: String?, card: String, scopes: Set<Scope>, language: Language,
                name: String?, wantsKey: Bool) {
        self.till = till
        self.pairing = pairing
        self.card = card
        self.scopes = scopes
        self.language = language
        self.name = name
        self.wantsKey = wantsKey
    }
}

/// What an enrolment at the desk gives back: the `welkom-wlk1:` URI of a new key, shown once.
public struct DeskEnrolmentResult: Sendable, Equatable {
    public var customer: CustomerID
    public var keyURI: String?

    public init(customer: CustomerID, keyURI: String?) {
        self.customer = customer
        self.keyURI = keyURI
    }
}

/// Why the desk refused an input, in words for the page (never a card number).
public struct DeskRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
