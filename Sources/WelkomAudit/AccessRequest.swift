import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// `welkom audit dsar --customer ID` (GDPR art. 15): everything the data directory holds about one
/// customer, as one JSON document — the current consent, the consent records with their
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

    /// The explanation, in `language`.
    public func explanation(_ language: Language) -> String {
        let r = recognitions
        let tills = Set(r.compactMap(\.entry.till)).sorted()
        let schemes = Set(r.compactMap(\.entry.scheme?.rawValue)).sorted()
        let span = r.isEmpty ? nil : (LedgerTime.rfc3339(r.first!.entry.time).prefix(10), LedgerTime.rfc3339(r.last!.entry.time).prefix(10))
        let scopes = consent?.scopes.sorted().map(\.rawValue) ?? []
        func howRecognised(_ nl: Bool) -> String {
            schemes.map { s in
                switch s {
                case "card": nl ? "uw klantenkaart" : "your loyalty card"
                case "wlk1", "eid", "rpa": nl ? "uw app of sleutelhanger (Bluetooth)" : "your app or key fob (Bluetooth)"
                default: nl ? "een vaste Bluetooth-herkenning" : "a fixed Bluetooth identifier"
                }
            }.uniqued().joined(separator: nl ? " en " : " and ")
        }
        switch language {
        case .nl:
            var t = "Dit overzicht laat zien wat Welkom in deze winkel over u (klantnummer \(customer)) bewaart. "
            if let c = consent {
                t += "U hebt op \(LedgerTime.rfc3339(c.enrolled).prefix(10)) toestemming gegeven voor: \(scopes.joined(separator: ", ")). "
                t += c.expires.map { "Die toestemming loopt af op \(LedgerTime.rfc3339($0).prefix(10)). " } ?? "Die toestemming geldt tot u haar intrekt. "
            } else {
                t += "Er staat op dit moment geen toestemming van u geregistreerd; Welkom herkent u dus niet. "
            }
            if let span {
                t += "Welkom heeft u \(r.count) keer herkend via \(howRecognised(true)), tussen \(span.0) en \(span.1), "
                t += "bij kassa \(tills.joined(separator: ", ")). Elke herkenning gaf het personeel een melding op het kassascherm. "
            } else {
                t += "Er staan geen herkenningen van u in het logboek. "
            }
            t += "Details van herkenningen bewaren we \(retentionDays) dagen; daarna verwijderen we ze. "
            t += "Elke regel hieronder staat in een doorzichtig logboek (een Merkle-boom): het bewijs (\"inclusion\") laat zien dat de regel "
            t += "in het ondertekende logboek staat en achteraf niet is veranderd. "
            t += "U kunt uw toestemming altijd intrekken of vragen alles te wissen; dan verwijderen we uw sleutels en de details van deze regels."
            return t
        case .en:
            var t = "This package shows what Welkom keeps about you (customer ID \(customer)) in this shop. "
            if let c = consent {
                t += "You consented on \(LedgerTime.rfc3339(c.enrolled).prefix(10)) to: \(scopes.joined(separator: ", ")). "
                t += c.expires.map { "That consent ends on \(LedgerTime.rfc3339($0).prefix(10)). " } ?? "That consent holds until you withdraw it. "
            } else {
                t += "No consent of yours is registered at the moment, so Welkom does not recognise you. "
            }
            if let span {
                t += "Welkom recognised you \(r.count) time(s) by \(howRecognised(false)), between \(span.0) and \(span.1), "
                t += "at till \(tills.joined(separator: ", ")). Each recognition showed staff a prompt on the till display. "
            } else {
                t += "The log holds no recognitions of you. "
            }
            t += "Details of recognitions are kept for \(retentionDays) days and then deleted. "
            t += "Every line below is in a tamper-evident log (a Merkle tree): its proof (\"inclusion\") shows the line is in the signed log "
            t += "and was not changed afterwards. "
            t += "You can withdraw your consent or ask for erasure at any time; we then delete your keys and the details of these lines."
            return t
        }
    }

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
                + "\"consent_text_version\":\(q(c.consentTextVersion))}")
        } else {
            parts.append("\"consent\":null")
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
