import Foundation
import PostgresNIO
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// The central consent registry (`welkom consent … --postgres`): the same changes as a data
/// directory's ConsentService, in the same order for the chain. A change and its consent receipt
/// are one transaction; it is appended to the change log and announced (NOTIFY) in that same
/// transaction, so every store's sync sees it once it is committed, and only then. Each store
/// applies a withdrawal or erasure through its own agent's ConsentApplier and ledger (ChainSync).
public struct ChainRegistry: Sendable {
    public let db: ChainDatabase
    let key: ChainKey
    let clock: any WelkomClock

    public init(db: ChainDatabase, key: ChainKey, clock: any WelkomClock = SystemClock()) {
        self.db = db
        self.key = key
        self.clock = clock
    }

    public static func open(url: ChainURL, keyFile: String) async throws -> ChainRegistry {
        let key = try ChainKey.load(path: keyFile)
        let db = try await ChainDatabase.connect(url)
        do {
            try await ChainSchema.check(db, key: key)
        } catch {
            await db.close()
            throw error
        }
        return ChainRegistry(db: db, key: key)
    }

    // MARK: - Enrolment

    public func enroll(_ e: Enrolment, channel: String = "cli") async throws {
        try await enroll(all: [e], channel: channel)
    }

    /// All or none, in one transaction; refused as the local registry refuses (RegistryError).
    /// Written in bulk (a few statements per 5,000 consents, rows passed as one JSON array each),
    /// so an import of a back office's 100,000 lines is seconds, not 500,000 round trips.
    public func enroll(all enrolments: [Enrolment], channel: String = "import") async throws {
        guard !enrolments.isEmpty else { return }
        let now = clock.now()
        for e in enrolments { try Self.validate(e, now: now) }
        try await db.transaction("enroll") {
            try await lockChangeLog()
            var start = 0
            while start < enrolments.count {
                let end = min(start + Self.chunk, enrolments.count)
                try await write(Array(enrolments[start..<end]), channel: channel, now: now)
                start = end
            }
            try await notify()
        }
    }

    static let chunk = 5_000

    private static func validate(_ e: Enrolment, now: Date) throws(RegistryError) {
        guard !e.customer.isEmpty else { throw .emptyCustomerID }
        if let (field, reason) = e.fieldLimitProblem {
            if field == "customer ID" { throw .invalidCustomerID(reason: reason) }
            throw .fieldLimit(customer: e.customer, field: field, reason: reason)
        }
        guard !e.scopes.isEmpty else { throw .noScopes(customer: e.customer) }
        guard e.beaconKey != nil || !e.cards.isEmpty || e.eid != nil || e.irk != nil || !e.staticIdentifiers.isEmpty else {
            throw .nothingToRecognise(customer: e.customer)
        }
        if let expires = e.expires, expires <= now { throw .expiryInPast(customer: e.customer, expires: expires) }
    }

    /// The error the local registry gives for an identifier someone else holds.
    private static func taken(_ what: String, by customer: CustomerID) -> RegistryError {
        if what == "beacon key" { return .beaconKeyEnrolledForAnotherCustomer(customer: customer) }
        if what.hasPrefix("card "), let n = Int(what.dropFirst(5)) { return .cardEnrolledForAnotherCustomer(customer: customer, card: n) }
        return .identifierEnrolledForAnotherCustomer(customer: customer, what: what)
    }

    private struct ConsentRow: Encodable {
        var customer: String, scopes: String, name: String?, language: String, enrolled_ms: Int64, expires_ms: Int64?
        var consent_text_version: String?, note: String?, tags: String?, has_beacon_key: Bool, has_eid: Bool, has_irk: Bool
        var card_count: Int, static_kinds: String, key_material: String, sealed_customer: String
    }
    private struct IdentifierRow: Encodable { var fingerprint: String, customer: String, what: String }
    private struct ReceiptRow: Encodable { var customer: String, receipt_id: String, receipt: String }

    private func write(_ batch: [Enrolment], channel: String, now: Date) async throws {
        var owners: [String: (customer: CustomerID, what: String)] = [:]
        var identifiers: [IdentifierRow] = []
        for e in batch {
            for (fingerprint, what) in ChainKeyMaterial.fingerprints(e, key: key) {
                let hex = Hex.encode(fingerprint)
                if let other = owners[hex], other.customer != e.customer { throw Self.taken(what, by: e.customer) }
                owners[hex] = (e.customer, what)
                identifiers.append(IdentifierRow(fingerprint: hex, customer: e.customer, what: what))
            }
        }
        let hexes = Array(owners.keys)
        for row in try await db.query("""
            SELECT encode(fingerprint, 'hex'), customer FROM welkom.identifier
            WHERE fingerprint IN (SELECT decode(x, 'hex') FROM unnest(\(hexes)::text[]) AS x)
            """, "enroll") {
            let (hex, owner) = try row.decode((String, String).self)
            if let mine = owners[hex], mine.customer != owner { throw Self.taken(mine.what, by: mine.customer) }
        }
        let enrolled = LedgerTime.milliseconds(now)
        var consents: [ConsentRow] = []
        var receipts: [ReceiptRow] = []
        for e in batch {
            let sealed = try ChainKeyMaterial(e).sealed(with: key, customer: e.customer)
            consents.append(ConsentRow(
                customer: e.customer, scopes: e.scopes.sorted().map(\.rawValue).joined(separator: ","), name: e.name,
                language: e.language.rawValue, enrolled_ms: enrolled, expires_ms: e.expires.map(LedgerTime.milliseconds),
                consent_text_version: e.consentTextVersion, note: e.note,
                tags: e.tags.isEmpty ? nil : e.tags.sorted().joined(separator: ","), has_beacon_key: e.beaconKey != nil,
                has_eid: e.eid != nil, has_irk: e.irk != nil, card_count: e.cards.count,
                static_kinds: e.staticIdentifiers.map(\.kind).joined(separator: ","), key_material: Hex.encode(sealed),
                sealed_customer: Hex.encode(try key.seal(Array(e.customer.utf8), context: "change"))))
            var kinds: [String] = []
            if e.beaconKey != nil { kinds.append("wlk1") }
            if !e.cards.isEmpty { kinds.append("card") }
            let receipt = ConsentReceipt(event: .given, time: now, collectionMethod: channel, language: e.language.rawValue,
                                         consentTextVersion: e.consentTextVersion, scopes: Array(e.scopes),
                                         identifierKinds: kinds, expires: e.expires)
            receipts.append(ReceiptRow(customer: e.customer, receipt_id: receipt.consentReceiptID, receipt: receipt.json))
        }
        let encoder = JSONEncoder()
        let consentJSON = String(decoding: try encoder.encode(consents), as: UTF8.self)
        let customers = batch.map(\.customer)
        // The change log first, in the batch's order; each consent row remembers the batch's last change.
        let seq = try await db.query("""
            WITH added AS (
                INSERT INTO welkom.consent_change (kind, customer_sealed)
                SELECT 'enrolled', decode(r.row->>'sealed_customer', 'hex')
                FROM jsonb_array_elements(\(consentJSON)::jsonb) WITH ORDINALITY AS r(row, n)
                ORDER BY r.n
                RETURNING seq)
            SELECT max(seq) FROM added
            """, "record changes").first?.decode(Int64.self) ?? 0
        try await db.query("DELETE FROM welkom.identifier WHERE customer = ANY(\(customers))", "enroll")
        try await db.query("""
            INSERT INTO welkom.consent (customer, scopes, name, language, enrolled_ms, expires_ms, consent_text_version,
                note, tags, has_beacon_key, has_eid, has_irk, card_count, static_kinds, key_material, change_seq)
            SELECT r.customer, r.scopes, r.name, r.language, r.enrolled_ms, r.expires_ms, r.consent_text_version, r.note,
                   r.tags, r.has_beacon_key, r.has_eid, r.has_irk, r.card_count, r.static_kinds,
                   decode(r.key_material, 'hex'), \(seq)
            FROM jsonb_to_recordset(\(consentJSON)::jsonb) AS r(customer text, scopes text, name text, language text,
                enrolled_ms bigint, expires_ms bigint, consent_text_version text, note text, tags text,
                has_beacon_key boolean, has_eid boolean, has_irk boolean, card_count int, static_kinds text,
                key_material text)
            ON CONFLICT (customer) DO UPDATE SET scopes = EXCLUDED.scopes, name = EXCLUDED.name,
                language = EXCLUDED.language, enrolled_ms = EXCLUDED.enrolled_ms, expires_ms = EXCLUDED.expires_ms,
                consent_text_version = EXCLUDED.consent_text_version, note = EXCLUDED.note, tags = EXCLUDED.tags,
                has_beacon_key = EXCLUDED.has_beacon_key, has_eid = EXCLUDED.has_eid, has_irk = EXCLUDED.has_irk,
                card_count = EXCLUDED.card_count, static_kinds = EXCLUDED.static_kinds,
                key_material = EXCLUDED.key_material, change_seq = EXCLUDED.change_seq
            """, "enroll")
        let identifierJSON = String(decoding: try encoder.encode(identifiers), as: UTF8.self)
        try await db.query("""
            INSERT INTO welkom.identifier (fingerprint, customer, what)
            SELECT decode(r.fingerprint, 'hex'), r.customer, r.what
            FROM jsonb_to_recordset(\(identifierJSON)::jsonb) AS r(fingerprint text, customer text, what text)
            ON CONFLICT (fingerprint) DO NOTHING
            """, "enroll")
        let receiptJSON = String(decoding: try encoder.encode(receipts), as: UTF8.self)
        try await db.query("""
            INSERT INTO welkom.consent_receipt (customer, event, receipt_id, receipt)
            SELECT r.customer, 'given', r.receipt_id, r.receipt
            FROM jsonb_to_recordset(\(receiptJSON)::jsonb) AS r(customer text, receipt_id text, receipt text)
            """, "enroll")
    }

    /// Writers take the change log in turn (EXCLUSIVE still lets readers in), so sequence numbers
    /// commit in order and a store that has read up to N can never later see a change below N.
    private func lockChangeLog() async throws {
        try await db.query("LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE", "lock change log")
    }

    private func appendChange(_ kind: String, customer: CustomerID) async throws -> Int64 {
        let sealed = try key.seal(Array(customer.utf8), context: "change")
        guard let seq = try await db.query("""
            INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES (\(kind), \(Data(sealed))) RETURNING seq
            """, "record change").first?.decode(Int64.self) else {
            throw ChainError.database(operation: "record change", reason: "no sequence number returned")
        }
        return seq
    }

    private func notify() async throws {
        try await db.query("SELECT pg_notify(\(ChainSchema.channel), '')", "notify")
    }

    // MARK: - Withdrawal and erasure

    public struct Withdrawal: Sendable, Equatable {
        public var consentDeleted: Bool
        /// Central ledger entries and receipts that no longer name the customer.
        public var unlinked: Int
    }

    /// Deletes the consent and its identifiers, unlinks the central receipts and shipped entries,
    /// records a withdrawal receipt that names nobody, and announces it. nil: nothing to withdraw.
    public func withdraw(_ customer: CustomerID, channel: String = "cli") async throws -> Withdrawal? {
        guard !customer.isEmpty else { throw RegistryError.emptyCustomerID }
        return try await db.transaction("withdraw") {
            try await lockChangeLog()
            let deleted = !(try await db.query("DELETE FROM welkom.consent WHERE customer = \(customer) RETURNING 1", "withdraw")).isEmpty
            let ended = try await db.query("""
                UPDATE welkom.consent_receipt SET customer = NULL WHERE customer = \(customer) AND event = 'given'
                RETURNING receipt_id
                """, "withdraw").map { try $0.decode(String.self) }
            let entries = try await db.query("""
                UPDATE welkom.ledger_entry SET customer = NULL WHERE customer = \(customer) RETURNING 1
                """, "withdraw").count
            guard deleted || !ended.isEmpty || entries > 0 else { return nil }
            // Always announced: a store that still holds the customer (it missed an earlier one) drops them.
            _ = try await appendChange("withdrawn", customer: customer)
            let receipt = ConsentReceipt(event: .withdrawn, time: clock.now(), collectionMethod: channel, endsReceipts: ended)
            try await db.query("""
                INSERT INTO welkom.consent_receipt (customer, event, receipt_id, receipt)
                VALUES (NULL, 'withdrawn', \(receipt.consentReceiptID), \(receipt.json))
                """, "withdraw")
            try await notify()
            return Withdrawal(consentDeleted: deleted, unlinked: ended.count + entries)
        }
    }

    public struct Erasure: Sendable, Equatable {
        public var consentDeleted: Bool
        public var receiptsDeleted: Int
        /// Shipped ledger entries whose record bodies were deleted centrally.
        public var bodiesErased: Int
    }

    /// Chain-wide erasure (GDPR art. 17): the consent, identifiers and receipts go, every shipped
    /// entry linked to the customer keeps its leaf (so each store's tree still verifies) but loses
    /// its body, and every store erases its own copy when it reads the change.
    public func erase(_ customer: CustomerID) async throws -> Erasure {
        guard !customer.isEmpty else { throw RegistryError.emptyCustomerID }
        return try await db.transaction("erase") {
            try await lockChangeLog()
            let deleted = !(try await db.query("DELETE FROM welkom.consent WHERE customer = \(customer) RETURNING 1", "erase")).isEmpty
            let receipts = try await db.query("DELETE FROM welkom.consent_receipt WHERE customer = \(customer) RETURNING 1", "erase").count
            let bodies = try await db.query("""
                UPDATE welkom.ledger_entry SET record = 'erased', customer = NULL, scheme = NULL, till = NULL,
                    prompt = NULL, detail = NULL, receipt = NULL
                WHERE customer = \(customer) RETURNING 1
                """, "erase").count
            _ = try await appendChange("erased", customer: customer)
            try await notify()
            return Erasure(consentDeleted: deleted, receiptsDeleted: receipts, bodiesErased: bodies)
        }
    }

    // MARK: - Reading

    /// Every consent, ordered by customer (`consent list --postgres`): never key material.
    public func consents() async throws -> [ConsentSummary] {
        try await Self.consents(db)
    }

    /// The same without the chain key: reading summaries opens nothing sealed.
    public static func consents(_ db: ChainDatabase) async throws -> [ConsentSummary] {
        try await db.query("""
            SELECT customer, scopes, name, language, has_beacon_key, card_count, enrolled_ms, expires_ms,
                   consent_text_version, note, has_eid, has_irk, static_kinds, tags
            FROM welkom.consent ORDER BY customer
            """, "list").map { row in
            let (customer, scopes, name, language, beacon, cards, enrolled, expires, version, note, eid, irk, statics, tags) =
                try row.decode((String, String, String?, String, Bool, Int, Int64, Int64?, String?, String?, Bool, Bool, String, String?).self)
            guard let lang = Language(rawValue: language), let scopeSet = try? Scope.parseList(scopes) else {
                throw RegistryError.unreadableConsent(customer: customer, reason: "unknown scope or language")
            }
            return ConsentSummary(customer: customer, scopes: scopeSet, name: name, language: lang, hasBeaconKey: beacon,
                                  cardCount: cards, enrolled: LedgerTime.date(milliseconds: enrolled),
                                  expires: expires.map { LedgerTime.date(milliseconds: $0) }, consentTextVersion: version,
                                  note: note, hasEID: eid, hasIRK: irk,
                                  staticKinds: statics.split(separator: ",").map(String.init),
                                  tags: Set((tags ?? "").split(separator: ",").map(String.init)))
        }
    }
}
