import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry

/// What an enrolment arrives as — `consent enroll`'s options, a line of `consent import`, later a
/// desk page's form — checked into an Enrolment with errors that say which option is wrong.
/// Card numbers are classified here, so a payment card is refused before anything is stored.
public struct EnrolmentForm: Sendable {
    public var customer: String
    public var scopes: String
    public var name: String?
    public var locale: String
    public var beaconKey: String?
    public var cards: [String]
    public var expires: String?
    public var consentTextVersion: String?
    public var note: String?
    public var eidKey: String? = nil
    public var eidExponent: Int? = nil
    public var eidEpoch: Int64? = nil
    public var irk: String? = nil
    public var staticIdentifiers: [String] = []
    public var tags: [String] = []

    public init(customer: String, scopes: String, name: String? = nil, locale: String, beaconKey: String? = nil, cards: [String], expires: String? = nil, consentTextVersion: String? = nil, note: String? = nil, eidKey: String? = nil, eidExponent: Int? = nil, eidEpoch: Int64? = nil, irk: String? = nil, staticIdentifiers: [String] = [], tags: [String] = []) {
        self.customer = customer
        self.scopes = scopes
        self.name = name
        self.locale = locale
        self.beaconKey = beaconKey
        self.cards = cards
        self.expires = expires
        self.consentTextVersion = consentTextVersion
        self.note = note
        self.eidKey = eidKey
        self.eidExponent = eidExponent
        self.eidEpoch = eidEpoch
        self.irk = irk
        self.staticIdentifiers = staticIdentifiers
        self.tags = tags
    }

    /// `exemptions`: the retailer's own card ranges that look like payment cards (`[cards]
    /// allow_prefixes` of the config the agent runs with).
    public func enrolment(now: Date = Date(), exempting exemptions: PaymentCardExemptions = .none) throws(ConsentProblem) -> Enrolment {
        try checkControlCharacters()
        let trimmedID = customer.trimmingCharacters(in: .whitespaces)
        guard !trimmedID.isEmpty else { throw ConsentProblem("--customer must not be empty") }
        if let problem = FieldLimits.problem(inID: trimmedID) { throw ConsentProblem("--customer \(problem)") }
        if let name, let problem = FieldLimits.problem(inText: name, limit: FieldLimits.name) {
            throw ConsentProblem("--name \(problem)")
        }
        if let note, let problem = FieldLimits.problem(inText: note, limit: FieldLimits.note) {
            throw ConsentProblem("--note \(problem)")
        }
        if let consentTextVersion,
           let problem = FieldLimits.problem(inID: consentTextVersion, limit: FieldLimits.consentTextVersion) {
            throw ConsentProblem("--consent-text-version \(problem)")
        }
        guard tags.count <= FieldLimits.tagsPerCustomer else {
            throw ConsentProblem("--tag given \(tags.count) times, at most \(FieldLimits.tagsPerCustomer) allowed")
        }
        guard cards.count <= FieldLimits.cardsPerCustomer else {
            throw ConsentProblem("--card given \(cards.count) times, at most \(FieldLimits.cardsPerCustomer) allowed")
        }
        let scopeSet: Set<Scope>
        do { scopeSet = try Scope.parseList(scopes) } catch let error { throw ConsentProblem("--scopes: \(error)") }
        guard !scopeSet.isEmpty else { throw ConsentProblem("--scopes: give at least one of greeting, name, offers, notes") }
        guard let language = Language(rawValue: locale) else { throw ConsentProblem("--locale must be nl or en") }
        var key: Block128?
        if let beaconKey {
            guard let k = Block128(hex: beaconKey) else { throw ConsentProblem("--beacon-key must be 32 hex digits") }
            key = k
        }
        var eid: EIDRegistration?
        switch (eidKey, eidExponent, eidEpoch) {
        case (nil, nil, nil):
            break
        case let (key?, exponent?, epoch?):
            guard let k = Block128(hex: key) else { throw ConsentProblem("--eid-key must be 32 hex digits") }
            guard let e = UInt8(exactly: exponent), e <= EddystoneEID.maximumExponent else {
                throw ConsentProblem("--eid-exponent must be 0…15")
            }
            eid = EIDRegistration(identityKey: k, exponent: e, epoch: epoch)
        default:
            throw ConsentProblem("--eid-key, --eid-exponent and --eid-epoch go together: give all three")
        }
        var irkKey: Block128?
        if let irk {
            guard let k = Block128(hex: irk) else { throw ConsentProblem("--irk must be 32 hex digits") }
            irkKey = k
        }
        var statics: [StaticIdentifier] = []
        for (i, text) in staticIdentifiers.enumerated() {
            guard let s = StaticIdentifier(canonical: text) else {
                throw ConsentProblem("--static #\(i + 1) must be ibeacon:UUID:MAJOR:MINOR, altbeacon:40HEX or address:12HEX")
            }
            statics.append(s)
        }
        for (i, t) in tags.enumerated() where !Enrolment.isValidTag(t) {
            throw ConsentProblem("--tag #\(i + 1) must be 1–64 letters, digits, '-', '_' or '.'")
        }
        var normalised: [String] = []
        for (i, raw) in cards.enumerated() {
            // enrolment(_:) also takes NFC UIDs written "uid:HEX", which no scanner types.
            switch CardNumber.enrolment(raw, exempting: exemptions) {
            case let .loyalty(number, _): normalised.append(number)
            case .paymentCard:
                throw ConsentProblem("--card #\(i + 1) is a payment card number; Welkom never enrols payment cards "
                                     + "(if the shop's own loyalty numbers use this range, allow their prefix in "
                                     + "[cards] allow_prefixes of the config and pass --config)")
            case let .invalid(problem):
                throw ConsentProblem("--card #\(i + 1): \(problem)")
            }
        }
        guard key != nil || !normalised.isEmpty || eid != nil || irkKey != nil || !statics.isEmpty else {
            throw ConsentProblem("give --beacon-key, --eid-key, --irk, --static or --card: without an identifier nobody can be recognised")
        }
        var expiry: Date?
        if let expires {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            guard let d = f.date(from: expires) else { throw ConsentProblem("--expires must be YYYY-MM-DD") }
            guard d > now else { throw ConsentProblem("--expires \(expires) is in the past") }
            expiry = d
        }
        return Enrolment(customer: trimmedID, scopes: scopeSet, name: name, language: language, beaconKey: key,
                         cards: normalised, expires: expiry, consentTextVersion: consentTextVersion, note: note,
                         eid: eid, irk: irkKey, staticIdentifiers: statics, tags: Set(tags))
    }

    /// Every string the form holds, by the option that carries it: a control character (NUL,
    /// a line break, ESC, C0/C1, DEL) in any of them is refused, never stored or echoed — a NUL
    /// would cut an ID short in C APIs and merge two customers, an escape would reach a terminal.
    private func checkControlCharacters() throws(ConsentProblem) {
        var fields: [(String, String?)] = [
            ("--customer", customer), ("--scopes", scopes), ("--name", name), ("--locale", locale),
            ("--beacon-key", beaconKey), ("--expires", expires), ("--consent-text-version", consentTextVersion),
            ("--note", note), ("--eid-key", eidKey), ("--irk", irk),
        ]
        fields += cards.enumerated().map { ("--card #\($0.offset + 1)", $0.element) }
        fields += staticIdentifiers.enumerated().map { ("--static #\($0.offset + 1)", $0.element) }
        fields += tags.enumerated().map { ("--tag #\($0.offset + 1)", $0.element) }
        for case let (option, value?) in fields {
            if let position = FieldLimits.firstControlCharacter(in: value) {
                throw ConsentProblem("\(option) holds a control character at position \(position)")
            }
        }
    }

    /// One line of `consent import`.
    public struct Line: Decodable, Sendable {
        /// The keys a line may have: a key not among them is refused, never ignored ("expiry"
        /// for "expires" would otherwise give a consent that never ends).
        public static let keys = ["customer", "scopes", "name", "locale", "beacon_key", "cards", "expires",
                                  "consent_text_version", "note", "eid_key", "eid_exponent", "eid_epoch", "irk",
                                  "static", "tags"]

        var customer: String
        var scopes: Scopes
        var name: String?
        var locale: String?
        var beacon_key: String?
        var cards: [String]?
        var expires: String?
        var consent_text_version: String?
        var note: String?
        var eid_key: String?
        var eid_exponent: Int?
        var eid_epoch: Int64?
        var irk: String?
        var `static`: [String]?
        var tags: [String]?

        enum Scopes: Decodable, Sendable {
            case list([String]), text(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let l = try? c.decode([String].self) { self = .list(l) } else { self = .text(try c.decode(String.self)) }
            }
            var joined: String {
                switch self { case let .list(l): l.joined(separator: ","); case let .text(t): t }
            }
        }

        public var form: EnrolmentForm {
            EnrolmentForm(customer: customer, scopes: scopes.joined, name: name, locale: locale ?? "nl", beaconKey: beacon_key,
                         cards: cards ?? [], expires: expires, consentTextVersion: consent_text_version, note: note,
                         eidKey: eid_key, eidExponent: eid_exponent, eidEpoch: eid_epoch, irk: irk,
                         staticIdentifiers: `static` ?? [], tags: tags ?? [])
        }
    }

    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _): "missing key \"\(key.stringValue)\""
        case let .typeMismatch(_, ctx), let .valueNotFound(_, ctx):
            "\(ctx.codingPath.map(\.stringValue).joined(separator: ".")): wrong type"
        case .dataCorrupted: "not a JSON object"
        @unknown default: "\(error)"
        }
    }
}
