import Foundation
import PostgresNIO
import WelkomCore
import WelkomLedger

/// The privacy officer's view of the whole chain (`welkom audit … --postgres`): every store's
/// shipped log verified and named when it fails, and counts per store.
public enum ChainAudit {
    public static func stores(_ db: ChainDatabase, only: String?) async throws -> [String] {
        let all = try await db.query("SELECT id FROM welkom.store ORDER BY id", "list stores").map { try $0.decode(String.self) }
        guard let only else { return all }
        guard all.contains(only) else { throw ChainError.unknownStore(only) }
        return [only]
    }

    /// Each store's verification; a store whose shipped log fails is named with the reason.
    public static func verify(_ db: ChainDatabase, store: String?) async throws -> [ChainLedger.Verification] {
        var result: [ChainLedger.Verification] = []
        for s in try await stores(db, only: store) { result.append(try await ChainLedger.verify(db, store: s)) }
        return result
    }

    public struct StoreStats: Sendable, Equatable {
        public var store: String
        /// Entries per kind ("recognition", "consent_given", …).
        public var kinds: [String: Int64]
        public var erased: Int64
    }

    public static func stats(_ db: ChainDatabase, store: String?) async throws -> [StoreStats] {
        var result: [StoreStats] = []
        for s in try await stores(db, only: store) {
            var kinds: [String: Int64] = [:]
            for row in try await db.query("""
                SELECT kind, count(*) FROM welkom.ledger_entry WHERE store = \(s) GROUP BY kind
                """, "stats") {
                let (kind, n) = try row.decode((String, Int64).self)
                kinds[kind] = n
            }
            let erased = try await db.query("""
                SELECT count(*) FROM welkom.ledger_entry WHERE store = \(s) AND record = 'erased'
                """, "stats").first?.decode(Int64.self) ?? 0
            result.append(StoreStats(store: s, kinds: kinds, erased: erased))
        }
        return result
    }
}

extension ChainAudit {
    /// Every shipped entry (of one store, or linked to one customer), one JSON object per line as
    /// `audit export` prints a store's own, with the store first: store, seq, time, kind, customer,
    /// scheme, till, prompt, detail, hash, record, receipt.
    public static func exportLines(_ db: ChainDatabase, store: String?, customer: String? = nil,
                                   _ write: (String) throws -> Void) async throws {
        let stores = try await stores(db, only: store)
        for s in stores {
            let rows = try await db.query("""
                SELECT seq, time_ms, kind, customer, scheme, till, prompt, detail, encode(leaf_hash, 'hex'), record, receipt
                FROM welkom.ledger_entry WHERE store = \(s) AND (\(customer)::text IS NULL OR customer = \(customer))
                ORDER BY seq
                """, "export")
            for row in rows {
                let (seq, time, kind, who, scheme, till, prompt, detail, hash, record, receipt) = try row.decode(
                    (Int64, Int64, String, String?, String?, String?, String?, String?, String, String, String?).self)
                var o = ChainJSONObject()
                o.add("store", s)
                o.add("seq", Int(seq))
                o.add("time", LedgerTime.rfc3339(milliseconds: time))
                o.add("kind", kind)
                o.add("customer", who)
                o.add("scheme", scheme)
                o.add("till", till)
                o.add("prompt", prompt)
                o.add("detail", detail)
                o.add("hash", hash)
                o.add("record", record)
                o.addRaw("receipt", receipt ?? "null")
                try write(o.object)
            }
        }
    }

    /// The access-request package (GDPR art. 15) for one customer across the chain: the central
    /// consent (which identifiers are held, never a key), its receipts, and every shipped entry of
    /// every store still linked to them. nil when the chain holds nothing about the customer.
    public static func accessRequest(_ db: ChainDatabase, customer: String, now: Date) async throws -> String? {
        let consent = try await ChainRegistry.consents(db).first { $0.customer == customer }
        let receipts = try await db.query("""
            SELECT receipt FROM welkom.consent_receipt WHERE customer = \(customer) ORDER BY id
            """, "access request").map { try $0.decode(String.self) }
        var entries: [String] = []
        try await exportLines(db, store: nil, customer: customer) { entries.append($0) }
        guard consent != nil || !receipts.isEmpty || !entries.isEmpty else { return nil }
        var o = ChainJSONObject()
        o.add("customer", customer)
        o.add("generated", LedgerTime.rfc3339(now))
        if let c = consent {
            var held: [String] = []
            if c.hasBeaconKey { held.append("an app or fob key (WLK1)") }
            if c.hasEID { held.append("an Eddystone-EID beacon key") }
            if c.hasIRK { held.append("a paired device's identity key (RPA)") }
            if c.cardCount > 0 { held.append("\(c.cardCount) loyalty card(s), sealed") }
            held += c.staticKinds.map { "a static identifier (\($0))" }
            var k = ChainJSONObject()
            k.add("scopes", c.scopes.sorted().map(\.rawValue))
            k.add("name", c.name)
            k.add("locale", c.language.rawValue)
            k.add("enrolled", LedgerTime.rfc3339(c.enrolled))
            k.add("expires", c.expires.map(LedgerTime.rfc3339))
            k.add("consent_text_version", c.consentTextVersion)
            k.add("note", c.note)
            k.add("tags", c.tags.sorted())
            k.add("beacon_key", c.hasBeaconKey)
            k.add("eid_key", c.hasEID)
            k.add("irk", c.hasIRK)
            k.add("cards", c.cardCount)
            k.add("static", c.staticKinds)
            k.add("identifiers_held", held)
            o.addRaw("consent", k.object)
        } else {
            o.addRaw("consent", "null")
        }
        o.addRaw("receipts", "[" + receipts.joined(separator: ",") + "]")
        o.addRaw("entries", "[" + entries.joined(separator: ",") + "]")
        o.add("stores", Array(Set(entries.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["store"] as? String
        })).sorted())
        return o.object
    }
}
