import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// `welkom audit dsar --customer ID` (GDPR art. 15): everything the data directory holds about one
/// customer, as one JSON document — the current consent with every field of it (name, locale,
/// scopes, dates, the staff note, the tags, and per kind of identifier the fact that one is held,
/// never a key or a pseudonym), the consent records with their
/// receipts, every ledger entry still linked to them with its inclusion proof in a signed
/// checkpoint, and a plain-language explanation in Dutch and English.
public struct AccessRequest: Sendable {
    public var customer: CustomerID
    public var generated: Date
    public var consent: ConsentSummary?
    public var entries: [LedgerStoredEntry]
    public var checkpoint: LedgerCheckpoint?
    /// Inclusion proofs by sequence number (entries after the checkpoint have none).
    public var proofs: [Int64: [[UInt8]]]
    public var retentionDays: Int
    /// When `customer` is a "do not ask" marker (`audit dsar --card` of a card marked at the desk).
    public var doNotAsk: DoNotAskMarker? = nil

    /// Gathers the package. Signs a fresh checkpoint first when the ledger is writable, so every
    /// entry gets a proof.
    public static func gather(customer: CustomerID, registry: ConsentRegistry?, ledger: Ledger, retentionDays: Int,
                              now: Date, signCheckpoint: Bool = false) throws -> AccessRequest {
        if signCheckpoint { _ = try ledger.writeCheckpoint(at: now, onlyIfGrown: true) }
        let consent = try registry?.consents().first { $0.customer == customer }
        let entries = try ledger.stored(LedgerQuery(customer: customer))
        let checkpoint = try ledger.latestCheckpoint()
        var proofs: [Int64: [[UInt8]]] = [:]
        if let checkpoint {
            for s in entries where UInt64(s.entry.seq) <= checkpoint.treeSize {
                proofs[s.entry.seq] = try ledger.inclusionProof(seq: s.entry.seq, treeSize: checkpoint.treeSize)
            }
        }
        return AccessRequest(customer: customer, generated: now, consent: consent, entries: entries,
                             checkpoint: checkpoint, proofs: proofs, retentionDays: retentionDays)
    }

    var recognitions: [LedgerStoredEntry] { entries.filter { $0.entry.kind == .recognition } }
    var consentRecords: [LedgerStoredEntry] { entries.filter { $0.entry.kind == .consentGiven } }

    /// The explanation, in `language`: the same sentences in every language, from its table.
    public func explanation(_ language: Language) -> String {
        let text = AccessRequestText.of(language)
        let r = recognitions
        let tills = Set(r.compactMap(\.entry.till)).sorted()
        let schemes = Set(r.compactMap(\.entry.scheme?.rawValue)).sorted()
        let span = r.isEmpty ? nil : (day(r.first!.entry.time), day(r.last!.entry.time))
        let scopes = consent?.scopes.sorted().map(\.rawValue) ?? []
        let how = schemes.map { s in
            switch s {
            case "card": text.card
            case "wlk1", "eid", "rpa": text.bluetooth
            default: text.staticIdentifier
            }
        }.uniqued().joined(separator: text.and)
        var t = text.intro(customer)
        if let c = consent {
            t += text.consented(day(c.enrolled), scopes.joined(separator: ", "))
            t += c.expires.map { text.expires(day($0)) } ?? text.untilWithdrawn
            t += text.identifiersHeld(Self.identifierKinds(c, text).joined(separator: ", "))
            t += c.note.map { text.note($0) } ?? text.noNote
            if !c.tags.isEmpty { t += text.tags(c.tags.sorted().joined(separator: ", ")) }
        } else {
            t += text.noConsent
        }
        if let span {
            t += text.recognised(r.count, how, span.0, span.1, tills.joined(separator: ", "))
        } else {
            t += text.noRecognitions
        }
        if let marker = doNotAsk {
            t += language == .nl
                ? "Uw kaart staat gemarkeerd met \"niet vragen naar het klantenprogramma\", sinds \(day(marker.created)) tot \(day(marker.expires)); daarbij is alleen een pseudoniem van de kaart bewaard, geen naam. "
                : "Your card is marked \"don't ask about the loyalty programme\" from \(day(marker.created)) until \(day(marker.expires)); only a pseudonym of the card is kept with it, no name. "
        }
        return t + text.retention(retentionDays) + text.proof + text.rights
    }

    /// Each kind of identifier held for the customer, in words: that it is held, never its value.
    static func identifierKinds(_ c: ConsentSummary, _ text: AccessRequestText) -> [String] {
        var kinds: [String] = []
        if c.hasBeaconKey { kinds.append(text.beaconKey) }
        if c.hasEID { kinds.append(text.eidKey) }
        if c.hasIRK { kinds.append(text.irk) }
        kinds += c.staticKinds.map(text.staticKind)
        if c.cardCount > 0 { kinds.append(text.cards(c.cardCount)) }
        return kinds
    }

    private func day(_ time: Date) -> String { String(LedgerTime.rfc3339(time).prefix(10)) }

    /// The package as one JSON document (pretty enough to read: one key per line at the top level).
    public var json: String {
        func q(_ s: String?) -> String { JSONText.quoted(s) }
        var parts: [String] = []
        parts.append("\"customer\":\(q(customer))")
        parts.append("\"generated\":\(q(LedgerTime.rfc3339(generated)))")
        parts.append("\"explanation\":{\"nl\":\(q(explanation(.nl))),\"en\":\(q(explanation(.en)))}")
        if let c = consent {
            parts.append("\"consent\":{\"scopes\":[\(c.scopes.sorted().map { q($0.rawValue) }.joined(separator: ","))],"
                + "\"name\":\(q(c.name)),\"locale\":\(q(c.language.rawValue)),\"beacon_key\":\(c.hasBeaconKey),\"cards\":\(c.cardCount),"
                + "\"enrolled\":\(q(LedgerTime.rfc3339(c.enrolled))),\"expires\":\(q(c.expires.map(LedgerTime.rfc3339))),"
                + "\"consent_text_version\":\(q(c.consentTextVersion)),"
                + "\"eid_key\":\(c.hasEID),\"irk\":\(c.hasIRK),\"static\":[\(c.staticKinds.map { q($0) }.joined(separator: ","))],"
                + "\"note\":\(q(c.note)),\"tags\":[\(c.tags.sorted().map { q($0) }.joined(separator: ","))],"
                + "\"identifiers_held\":[\(Self.identifierKinds(c, .en).map { q($0) }.joined(separator: ","))]}")
        } else {
            parts.append("\"consent\":null")
        }
        if let marker = doNotAsk {
            parts.append("\"do_not_ask\":{\"marker\":\(q(marker.marker)),\"created\":\(q(LedgerTime.rfc3339(marker.created))),"
                + "\"expires\":\(q(LedgerTime.rfc3339(marker.expires))),\"held\":\(q("a pseudonym of the card (HMAC-SHA256), no name"))}")
        }
        parts.append("\"consent_records\":[\(consentRecords.map { line($0) }.joined(separator: ","))]")
        parts.append("\"entries\":[\(entries.map { line($0) }.joined(separator: ","))]")
        parts.append("\"checkpoint\":\(checkpoint?.json ?? "null")")
        parts.append("\"how_to_verify\":\(q("Each entry's hash is an RFC 9162 leaf hash; its inclusion path with the checkpoint's tree size and root verifies it (RFC 9162 section 2.1.3.2), and the checkpoint's signed_text is signed with Ed25519 under public_key."))")
        return "{\n" + parts.map { "  " + $0 }.joined(separator: ",\n") + "\n}"
    }

    private func line(_ s: LedgerStoredEntry) -> String {
        var e = s.entry
        e.customer = nil  // the package is about one customer; no need to repeat the ID
        var text = LedgerJSONLine.encode(e)
        text.removeLast()
        text += ",\"record\":\"\(s.record.rawValue)\",\"receipt\":\(s.receipt ?? "null")"
        if let proof = proofs[s.entry.seq], let checkpoint {
            text += ",\"inclusion\":{\"checkpoint\":\(checkpoint.id),\"tree_size\":\(checkpoint.treeSize),\"path\":[\(proof.map { "\"\(Hex.encode($0))\"" }.joined(separator: ","))]}"
        } else {
            text += ",\"inclusion\":null"
        }
        return text + "}"
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

/// The access request's explanation, one table per language: a sentence is added to every
/// language at once, and a language that lacks it does not compile.
struct AccessRequestText: Sendable {
    var intro: @Sendable (_ customer: String) -> String
    var consented: @Sendable (_ day: String, _ scopes: String) -> String
    var expires: @Sendable (_ day: String) -> String
    var untilWithdrawn: String
    var noConsent: String
    var recognised: @Sendable (_ count: Int, _ how: String, _ first: String, _ last: String, _ tills: String) -> String
    var noRecognitions: String
    var retention: @Sendable (_ days: Int) -> String
    var proof: String
    var rights: String
    /// The kinds of identifier held (the fact only), the staff note and the tags.
    var identifiersHeld: @Sendable (_ kinds: String) -> String
    var note: @Sendable (_ note: String) -> String
    var noNote: String
    var tags: @Sendable (_ tags: String) -> String
    var beaconKey: String
    var eidKey: String
    var irk: String
    var staticKind: @Sendable (_ kind: String) -> String
    var cards: @Sendable (_ count: Int) -> String
    /// How a scheme recognised the customer, joined by `and`.
    var card: String
    var bluetooth: String
    var staticIdentifier: String
    var and: String

    static func of(_ language: Language) -> AccessRequestText {
        switch language {
        case .nl: nl
        case .en: en
        }
    }

    static let nl = AccessRequestText(
        intro: { "Dit overzicht laat zien wat Welkom in deze winkel over u (klantnummer \($0)) bewaart. " },
        consented: { "U hebt op \($0) toestemming gegeven voor: \($1). " },
        expires: { "Die toestemming loopt af op \($0). " },
        untilWithdrawn: "Die toestemming geldt tot u haar intrekt. ",
        noConsent: "Er staat op dit moment geen toestemming van u geregistreerd; Welkom herkent u dus niet. ",
        recognised: { "Welkom heeft u \($0) keer herkend via \($1), tussen \($2) en \($3), "
            + "bij kassa \($4). Elke herkenning gaf het personeel een melding op het kassascherm. " },
        noRecognitions: "Er staan geen herkenningen van u in het logboek. ",
        retention: { "Details van herkenningen bewaren we \($0) dagen; daarna verwijderen we ze. " },
        proof: "Elke regel hieronder staat in een doorzichtig logboek (een Merkle-boom): het bewijs (\"inclusion\") laat zien dat de regel "
            + "in het ondertekende logboek staat en achteraf niet is veranderd. ",
        rights: "U kunt uw toestemming altijd intrekken of vragen alles te wissen; dan verwijderen we uw sleutels en de details van deze regels.",
        identifiersHeld: { "Om u te herkennen bewaren we (alleen als sleutel of versleutelde code, hier niet getoond): \($0). " },
        note: { "Het personeel heeft over u deze notitie: \"\($0)\". " },
        noNote: "Er staat geen notitie van het personeel over u. ",
        tags: { "Voor aanbiedingen hebt u deze labels: \($0). " },
        beaconKey: "een sleutel van uw app of sleutelhanger (WLK1)",
        eidKey: "een Eddystone-EID-sleutel",
        irk: "de identiteitssleutel (IRK) van uw telefoon",
        staticKind: { "een vaste Bluetooth-herkenning (\($0))" },
        cards: { $0 == 1 ? "1 klantenkaart" : "\($0) klantenkaarten" },
        card: "uw klantenkaart",
        bluetooth: "uw app of sleutelhanger (Bluetooth)",
        staticIdentifier: "een vaste Bluetooth-herkenning",
        and: " en ")

    static let en = AccessRequestText(
        intro: { "This package shows what Welkom keeps about you (customer ID \($0)) in this shop. " },
        consented: { "You consented on \($0) to: \($1). " },
        expires: { "That consent ends on \($0). " },
        untilWithdrawn: "That consent holds until you withdraw it. ",
        noConsent: "No consent of yours is registered at the moment, so Welkom does not recognise you. ",
        recognised: { "Welkom recognised you \($0) time(s) by \($1), between \($2) and \($3), "
            + "at till \($4). Each recognition showed staff a prompt on the till display. " },
        noRecognitions: "The log holds no recognitions of you. ",
        retention: { "Details of recognitions are kept for \($0) days and then deleted. " },
        proof: "Every line below is in a tamper-evident log (a Merkle tree): its proof (\"inclusion\") shows the line is in the signed log "
            + "and was not changed afterwards. ",
        rights: "You can withdraw your consent or ask for erasure at any time; we then delete your keys and the details of these lines.",
        identifiersHeld: { "To recognise you we keep (only as a key or keyed code, not shown here): \($0). " },
        note: { "Staff have this note about you: \"\($0)\". " },
        noNote: "Staff have no note about you. ",
        tags: { "For offers you carry these tags: \($0). " },
        beaconKey: "a key of your app or key fob (WLK1 beacon key)",
        eidKey: "an Eddystone EID key",
        irk: "your phone's identity resolving key (IRK)",
        staticKind: { "a fixed Bluetooth identifier (\($0))" },
        cards: { $0 == 1 ? "1 loyalty card" : "\($0) loyalty cards" },
        card: "your loyalty card",
        bluetooth: "your app or key fob (Bluetooth)",
        staticIdentifier: "a fixed Bluetooth identifier",
        and: " and ")
}
