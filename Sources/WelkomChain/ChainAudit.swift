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
    /// Rows per round trip when reading a store's shipped entries: a store's log is read in
    /// pages, never held whole.
    static let pageSize = 5_000

    /// The shipped entries of every store (or `store`'s) that match `query` (customer, kinds, till,
    /// from, until; `after` and `limit` are ignored), store by store in ID order, each in sequence
    /// order — the same conditions `audit query` applies to a store's own ledger.
    public static func entries(_ db: ChainDatabase, store: String?, query: LedgerQuery,
                               _ each: (String, LedgerStoredEntry) throws -> Void) async throws {
        let kinds = query.kinds.map(\.rawValue).sorted()
        let from = query.from.map(LedgerTime.milliseconds)
        let until = query.until.map(LedgerTime.milliseconds)
        for s in try await stores(db, only: store) {
            var after: Int64 = 0
            while true {
                let rows = try await db.query("""
                    SELECT seq, time_ms, kind, customer, scheme, till, prompt, detail, leaf_hash, record, receipt
                    FROM welkom.ledger_entry
                    WHERE store = \(s) AND seq > \(after)
                      AND (\(query.customer)::text IS NULL OR customer = \(query.customer))
                      AND (cardinality(\(kinds)::text[]) = 0 OR kind = ANY(\(kinds)::text[]))
                      AND (\(query.till)::text IS NULL OR till = \(query.till))
                      AND (\(from)::bigint IS NULL OR time_ms >= \(from))
                      AND (\(until)::bigint IS NULL OR time_ms < \(until))
                    ORDER BY seq LIMIT \(pageSize)
                    """, "read shipped entries")
                for row in rows {
                    let stored = try storedEntry(row, store: s)
                    try each(s, stored)
                    after = stored.entry.seq
                }
                if rows.count < pageSize { break }
            }
        }
    }

    /// One shipped row as the ledger's own type; a kind, scheme or record state this Welkom does
    /// not know is an error naming the store and entry, never a crash.
    static func storedEntry(_ row: PostgresRow, store: String) throws -> LedgerStoredEntry {
        let (seq, time, kindText, customer, schemeText, till, prompt, detail, leaf, recordText, receipt) = try row.decode(
            (Int64, Int64, String, String?, String?, String?, String?, String?, Data, String, String?).self)
        func bad(_ what: String) -> ChainError {
            .database(operation: "read shipped entries", reason: "store \(store), entry \(seq): \(what)")
        }
        guard let kind = LedgerEntryKind(rawValue: kindText) else { throw bad("unknown kind '\(kindText)'") }
        var scheme: Scheme?
        if let schemeText {
            guard let known = Scheme(rawValue: schemeText) else { throw bad("unknown scheme '\(schemeText)'") }
            scheme = known
        }
        guard let record = LedgerStoredEntry.Record(rawValue: recordText) else { throw bad("unknown record state '\(recordText)'") }
        let hash = Array(leaf)
        return LedgerStoredEntry(
            entry: LedgerEntry(seq: seq, time: LedgerTime.date(milliseconds: time), kind: kind, customer: customer,
                               scheme: scheme, till: till, prompt: prompt, detail: detail, hash: Hex.encode(hash)),
            record: record, receipt: receipt, leafHash: hash)
    }

    /// A shipped entry as `audit export`/`audit query` print a store's own, with "store" first.
    public static func jsonLine(store: String, _ stored: LedgerStoredEntry) -> String {
        "{\"store\":" + JSONText.quoted(store) + "," + LedgerJSONLine.line(stored).dropFirst()
    }

    /// The CSV header and lines of `audit query --postgres --format csv`: the local columns after
    /// a "store" column (store IDs need no quoting: ChainStores.isValid).
    public static let csvHeader = "store," + LedgerCSVLine.header
    public static func csvLine(store: String, _ stored: LedgerStoredEntry) -> String {
        store + "," + LedgerCSVLine.line(stored)
    }

    /// Shipped entries counted by the database: one group per UTC day, kind and record state (and,
    /// for recognitions, scheme and till), for `audit report --postgres` — a chain's millions of
    /// entries are counted where they are, not sent to the privacy officer's machine row by row.
    public struct CountGroup: Sendable, Equatable {
        /// "YYYY-MM-DD", UTC.
        public var day: String
        public var kind: LedgerEntryKind
        public var record: LedgerStoredEntry.Record
        /// Recognitions only (nil for other kinds, as the report charts only recognitions by them).
        public var scheme: String?
        public var till: String?
        public var count: Int
        /// How many still name a customer.
        public var linked: Int
        public var first: Date
        public var last: Date
    }

    public static func countGroups(_ db: ChainDatabase, store: String) async throws -> [CountGroup] {
        // The day by integer division of the milliseconds, exactly as LedgerTime's UTC date.
        try await db.query("""
            SELECT to_char(DATE '1970-01-01' + (time_ms / 86400000)::int, 'YYYY-MM-DD') AS day, kind, record,
                   CASE WHEN kind = 'recognition' THEN scheme END AS scheme,
                   CASE WHEN kind = 'recognition' THEN till END AS till,
                   count(*), count(customer), min(time_ms), max(time_ms)
            FROM welkom.ledger_entry WHERE store = \(store)
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            """, "count shipped entries").map { row in
            let (day, kindText, recordText, scheme, till, count, linked, first, last) = try row.decode(
                (String, String, String, String?, String?, Int64, Int64, Int64, Int64).self)
            guard let kind = LedgerEntryKind(rawValue: kindText), let record = LedgerStoredEntry.Record(rawValue: recordText) else {
                throw ChainError.database(operation: "count shipped entries",
                                          reason: "store \(store): unknown kind '\(kindText)' or record state '\(recordText)'")
            }
            return CountGroup(day: day, kind: kind, record: record, scheme: scheme, till: till, count: Int(count), linked: Int(linked),
                              first: LedgerTime.date(milliseconds: first), last: LedgerTime.date(milliseconds: last))
        }
    }

    /// `store`'s shipped signed checkpoints, oldest first.
    public static func checkpoints(_ db: ChainDatabase, store: String) async throws -> [LedgerCheckpoint] {
        try await db.query("""
            SELECT id, tree_size, root, time_ms, public_key, signature FROM welkom.ledger_checkpoint
            WHERE store = \(store) ORDER BY id
            """, "read checkpoints").map { row in
            let (id, size, root, time, pub, sig) = try row.decode((Int64, Int64, Data, Int64, Data, Data).self)
            return LedgerCheckpoint(id: id, treeSize: UInt64(max(0, size)), root: Array(root), timeMilliseconds: time,
                                    publicKey: Array(pub), signature: Array(sig))
        }
    }

    /// How many consents the central registry holds.
    public static func consentCount(_ db: ChainDatabase) async throws -> Int {
        Int(try await db.query("SELECT count(*) FROM welkom.consent", "count consents").first?.decode(Int64.self) ?? 0)
    }

    /// Every shipped entry (of one store, or linked to one customer), one JSON object per line as
    /// `audit export` prints a store's own, with the store first: store, seq, time, kind, customer,
    /// scheme, till, prompt, detail, hash, record, receipt.
    public static func exportLines(_ db: ChainDatabase, store: String?, customer: String? = nil,
                                   _ write: (String) throws -> Void) async throws {
        try await entries(db, store: store, query: LedgerQuery(customer: customer)) { s, stored in
            try write(jsonLine(store: s, stored))
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
