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
    var eidKey: Data?
    var eidExponent: Int64?
    var eidEpoch: Int64?
    var irk: Data?
    /// Sorted, comma-separated tags.
    var tags: String?

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
        eidKey = e.eid.map { Data($0.identityKey.bytes) }
        eidExponent = e.eid.map { Int64($0.exponent) }
        eidEpoch = e.eid?.epoch
        irk = e.irk.map { Data($0.bytes) }
        tags = e.tags.isEmpty ? nil : e.tags.sorted().joined(separator: ",")
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
        eidKey = try row.decode(forColumn: "eid_key")
        eidExponent = try row.decode(forColumn: "eid_exponent")
        eidEpoch = try row.decode(forColumn: "eid_epoch")
        irk = try row.decode(forColumn: "irk")
        tags = try row.decode(forColumn: "tags")
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
        container["eid_key"] = eidKey
        container["eid_exponent"] = eidExponent
        container["eid_epoch"] = eidEpoch
        container["irk"] = irk
        container["tags"] = tags
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

    func parsedEID() throws(RegistryError) -> EIDRegistration? {
        guard let eidKey else { return nil }
        guard let key = Block128(bytes: eidKey) else {
            throw .unreadableConsent(customer: customer, reason: "EID key is \(eidKey.count) bytes, expected 16")
        }
        guard let exponent = eidExponent.flatMap({ UInt8(exactly: $0) }), exponent <= 15, let eidEpoch else {
            throw .unreadableConsent(customer: customer, reason: "EID key without a rotation exponent 0…15 and an epoch")
        }
        return EIDRegistration(identityKey: key, exponent: exponent, epoch: eidEpoch)
    }

    func parsedIRK() throws(RegistryError) -> Block128? {
        guard let irk else { return nil }
        guard let key = Block128(bytes: irk) else {
            throw .unreadableConsent(customer: customer, reason: "IRK is \(irk.count) bytes, expected 16")
        }
        return key
    }

    var parsedTags: Set<String> {
        Set((tags ?? "").split(separator: ",").map(String.init))
    }

    func profile() throws(RegistryError) -> CustomerProfile {
        CustomerProfile(customer: customer, name: name, language: try parsedLanguage(), scopes: try parsedScopes(),
                        note: note, tags: parsedTags)
    }

    func summary(cardCount: Int, staticKinds: [String] = []) throws(RegistryError) -> ConsentSummary {
        ConsentSummary(customer: customer, scopes: try parsedScopes(), name: name, language: try parsedLanguage(),
                       hasBeaconKey: beaconKey != nil, cardCount: cardCount,
                       enrolled: RegistryTime.date(enrolledMilliseconds),
                       expires: expiresMilliseconds.map(RegistryTime.date),
                       consentTextVersion: consentTextVersion, note: note, hasEID: eidKey != nil, hasIRK: irk != nil,
                       staticKinds: staticKinds, tags: parsedTags)
    }
}
