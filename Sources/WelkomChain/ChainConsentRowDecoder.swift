import Foundation
import PostgresNIO
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// One row of `welkom.consent` (customer, scopes, name, language, expires_ms,
/// consent_text_version, note, tags, key_material) as the enrolment it stands for, its key
/// material opened with the chain key. Keeps the few scope lists a chain uses parsed, since an
/// initial load turns a million rows.
struct ChainConsentRowDecoder {
    let key: ChainKey
    private var scopeSets: [String: Set<Scope>] = [:]

    init(key: ChainKey) { self.key = key }

    mutating func decode(_ row: PostgresRow) throws -> Enrolment {
        let (customer, scopes, name, language, expires, version, note, tags, sealed) =
            try row.decode((String, String, String?, String, Int64?, String?, String?, String?, ByteBuffer).self)
        let m = try ChainKeyMaterial.open(Array(buffer: sealed), with: key, customer: customer)
        guard let lang = Language(rawValue: language), let scopeSet = parsedScopes(scopes) else {
            throw RegistryError.unreadableConsent(customer: customer, reason: "unknown scope or language")
        }
        return Enrolment(customer: customer, scopes: scopeSet, name: name, language: lang,
                         beaconKey: m.beaconKey.flatMap { Block128(hex: $0) }, cards: m.cards,
                         expires: expires.map { LedgerTime.date(milliseconds: $0) }, consentTextVersion: version,
                         note: note,
                         eid: m.eid.flatMap { e in Block128(hex: e.key).map { EIDRegistration(identityKey: $0, exponent: e.exponent, epoch: e.epoch) } },
                         irk: m.irk.flatMap { Block128(hex: $0) },
                         staticIdentifiers: m.statics.compactMap { StaticIdentifier(canonical: $0) },
                         tags: tags.map { Set($0.split(separator: ",").map(String.init)) } ?? [])
    }

    private mutating func parsedScopes(_ text: String) -> Set<Scope>? {
        if let known = scopeSets[text] { return known }
        guard let parsed = try? Scope.parseList(text) else { return nil }
        scopeSets[text] = parsed
        return parsed
    }
}
