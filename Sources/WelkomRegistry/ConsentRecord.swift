import Foundation
import GRDB
import WelkomCore

/// One row of the `consent` table, as stored.
struct ConsentRecord: FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "consent"

    var customer: String
    /// Sorted, comma-separated scope names.
    var scopes: String
    var name: String?
    var language: String
    var beaconKey: Data?
    var enrolledMilliseconds: Int64
    var expiresMilliseconds: Int64?
    var consentTextVersion: String?
    var note: String?

    init(_ e: Enrolment, enrolled: Date) {
        customer = e.customer
        scopes = e.scopes.sorted().map(\.rawValue).joined(separator: ",")
        name = e.name
        language = e.language.rawValue
        beaconKey = e.beaconKey.map { Data($0.bytes) }
        enrolledMilliseconds = RegistryTime.milliseconds(enrolled)
        expiresMilliseconds = e.expires.map(RegistryTime.milliseconds)
        consentTextVersion = e.consentTextVersion
        note = e.note
    }

    init(row: Row) throws {
        customer = try row.decode(forColumn: "customer")
        scopes = try row.decode(forColumn: "scopes")
        name = try row.decode(forColumn: "name")
        language = try row.decode(forColumn: "language")
        beaconKey = try row.decode(forColumn: "beacon_key")
        enrolledMilliseconds = try row.decode(forColumn: "enrolled_ms")
        expiresMilliseconds = try row.decode(forColumn: "expires_ms")
        consentTextVersion = try row.decode(forColumn: "consent_text_version")
        note = try row.decode(forColumn: "note")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["customer"] = customer
        container["scopes"] = scopes
        container["name"] = name
        container["language"] = language
        container["beacon_key"] = beaconKey
        container["enrolled_ms"] = enrolledMilliseconds
        container["expires_ms"] = expiresMilliseconds
        container["consent_text_version"] = consentTextVersion
        container["note"] = note
    }

    func parsedScopes() throws(RegistryError) -> Set<Scope> {
        do {
            return try Scope.parseList(scopes)
        } catch {
            throw .unreadableConsent(customer: customer, reason: error.description)
        }
    }

    func parsedLanguage() throws(RegistryError) -> Language {
        guard let l = Language(rawValue: language) else {
            throw .unreadableConsent(customer: customer, reason: "unknown language '\(language)'")
        }
        return l
    }

    func parsedBeaconKey() throws(RegistryError) -> Block128? {
        guard let beaconKey else { return nil }
        guard let key = Block128(bytes: beaconKey) else {
            throw .unreadableConsent(customer: customer, reason: "beacon key is \(beaconKey.count) bytes, expected 16")
        }
        return key
    }

    func profile() throws(RegistryError) -> CustomerProfile {
        CustomerProfile(customer: customer, name: name, language: try parsedLanguage(), scopes: try parsedScopes())
    }

    func summary(cardCount: Int) throws(RegistryError) -> ConsentSummary {
        ConsentSummary(customer: customer, scopes: try parsedScopes(), name: name, language: try parsedLanguage(),
                       hasBeaconKey: beaconKey != nil, cardCount: cardCount,
                       enrolled: RegistryTime.date(enrolledMilliseconds),
                       expires: expiresMilliseconds.map(RegistryTime.date),
                       consentTextVersion: consentTextVersion, note: note)
    }
}
