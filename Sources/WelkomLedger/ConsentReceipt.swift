import Crypto
import Foundation
import WelkomCore

/// A consent record with proof, stored in the body of a `consent_given` or `consent_withdrawn`
/// ledger entry: when, how (the channel), which consent text (version and SHA-256), which
/// scopes and purposes, until when — after the Kantara Initiative Consent Receipt
/// Specification v1.1 (field names in snake_case). It names no customer: the entry's customer
/// commitment does, and a withdrawal unlinks that. It never holds key material or card numbers,
/// only which kinds of identifier were enrolled.
public struct ConsentReceipt: Sendable, Equatable, Codable {
    public enum Event: String, Sendable, Codable {
        case given, withdrawn, erased
        /// Declined, and asked not to be asked again (a "do not ask" marker on the card).
        case doNotAsk = "do_not_ask"
    }

    public struct Purpose: Sendable, Equatable, Codable {
        public var scope: String
        public var purpose: String
        public var consentType: String
        public var thirdPartyDisclosure: Bool

        enum CodingKeys: String, CodingKey {
            case scope, purpose
            case consentType = "consent_type"
            case thirdPartyDisclosure = "third_party_disclosure"
        }
    }

    /// "KI-CR-v1.1.0"
    public var version: String
    public var event: Event
    public var consentReceiptID: String
    /// Seconds since 1970 UTC (as in the Kantara receipt).
    public var consentTimestamp: Int64
    /// How the consent reached Welkom: "cli", "import", "demo", "api", …
    public var collectionMethod: String
    public var jurisdiction: String
    public var language: String?
    public var consentTextVersion: String?
    /// SHA-256 of DATA/consent-texts/<version>.{txt,md,html} when that file exists.
    public var consentTextSHA256: String?
    public var scopes: [String]
    public var purposes: [Purpose]
    public var identifierKinds: [String]
    /// RFC 3339, or nil for "until withdrawn".
    public var expires: String?
    /// For a withdrawal or erasure: the receipts it ends.
    public var endsReceipts: [String]?
    /// For a consent given or withdrawn at a till: the pairing of the display staff used
    /// (`welkom till pairings` lists it), so the privacy officer can tell which desk or till.
    public var collectedBy: String?

    enum CodingKeys: String, CodingKey {
        case version, event
        case consentReceiptID = "consent_receipt_id"
        case consentTimestamp = "consent_timestamp"
        case collectionMethod = "collection_method"
        case jurisdiction, language
        case consentTextVersion = "consent_text_version"
        case consentTextSHA256 = "consent_text_sha256"
        case scopes, purposes
        case identifierKinds = "identifier_kinds"
        case expires
        case endsReceipts = "ends_receipts"
        case collectedBy = "collected_by"
    }

    public init(event: Event, time: Date, collectionMethod: String, language: String? = nil,
                consentTextVersion: String? = nil, consentTextSHA256: String? = nil, scopes: [Scope] = [],
                identifierKinds: [String] = [], expires: Date? = nil, endsReceipts: [String]? = nil,
                jurisdiction: String = "NL", receiptID: String = UUID().uuidString.lowercased(),
                collectedBy: String? = nil) {
        version = "KI-CR-v1.1.0"
        self.event = event
        consentReceiptID = receiptID
        consentTimestamp = LedgerTime.milliseconds(time) / 1000
        self.collectionMethod = collectionMethod
        self.jurisdiction = jurisdiction
        self.language = language
        self.consentTextVersion = consentTextVersion
        self.consentTextSHA256 = consentTextSHA256
        self.scopes = scopes.sorted().map(\.rawValue)
        purposes = scopes.sorted().map {
            Purpose(scope: $0.rawValue, purpose: Self.purpose(of: $0), consentType: "EXPLICIT", thirdPartyDisclosure: false)
        }
        self.identifierKinds = identifierKinds
        self.expires = expires.map(LedgerTime.rfc3339)
        self.endsReceipts = endsReceipts
        self.collectedBy = collectedBy
    }

    /// What each scope lets the shop do, in the words a receipt (and the DSAR package) shows.
    public static func purpose(of scope: Scope) -> String {
        switch scope {
        case .greeting: "Recognise the customer's app, fob or loyalty card in the shop and prompt staff at the till to greet them"
        case .name: "Show the customer's name to staff at the till"
        case .offers: "Show staff the customer's personal offers at the till"
        case .notes: "Show staff the customer's service notes (for example: prefers no loyalty-card question)"
        }
    }

    /// Compact JSON with sorted keys: the exact text the ledger hashes and stores.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    public static func parse(_ json: String) -> ConsentReceipt? {
        try? JSONDecoder().decode(ConsentReceipt.self, from: Data(json.utf8))
    }

    /// SHA-256 (hex) of the consent text file DATA/consent-texts/<version>.txt (or .md, .html).
    /// Versions with characters other than letters, digits, '.', '_' and '-' are not looked up.
    public static func textHash(version: String?, dataDirectory: URL) -> String? {
        guard let version, !version.isEmpty, !version.hasPrefix("."),
              version.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
        else { return nil }
        let dir = dataDirectory.appendingPathComponent("consent-texts")
        for ext in ["txt", "md", "html"] {
            if let data = FileManager.default.contents(atPath: dir.appendingPathComponent("\(version).\(ext)").path) {
                return Hex.encode(SHA256.hash(data: data))
            }
        }
        return nil
    }
}
