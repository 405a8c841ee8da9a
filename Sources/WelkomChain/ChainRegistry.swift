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
    public func enroll(all enrolments: [Enrolment], channel: String = "import") async throws {
        guard !enrolments.isEmpty else { return }
        let now = clock.now()
        for e in enrolments { try Self.validate(e, now: now) }
        try await db.transaction("enroll") {
            try await lockChangeLog()
            for e in enrolments { try await write(e, channel: channel, now: now) }
            try await notify()
        }
    }

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

    private func write(_ e: Enrolment, channel: String, now: Date) async throws {
        let prints = ChainKeyMaterial.fingerprints(e, key: key)
        for (fingerprint, what) in prints {
            let owner = try await db.query("SELECT customer FROM welkom.identifier WHERE fingerprint = \(Data(fingerprint))", "enroll")
                .first?.decode(String.self)
            if let owner, owner != e.customer {
                if what == "beacon key" { throw RegistryError.beaconKeyEnrolledForAnotherCustomer(customer: e.customer) }
                if what.hasPrefix("card "), let n = Int(what.dropFirst(5)) {
                    throw RegistryError.cardEnrolledForAnotherCustomer(customer: e.customer, card: n)
                }
                throw RegistryError.identifierEnrolledForAnotherCustomer(customer: e.customer, what: what)
            }
        }
        let sealed = try ChainKeyMaterial(e).sealed(with: key, customer: e.customer)
        let seq = try await appendChange("enrolled", customer: e.customer)
        let scopes = e.scopes.sorted().map(\.rawValue).joined(separator: ",")
        let tags: String? = e.tags.isEmpty ? nil : e.tags.sorted().joined(separator: ",")
        let statics = e.staticIdentifiers.map(\.kind).joined(separator: ",")
        let enrolled = LedgerTime.milliseconds(now)
        let expires = e.expires.map(LedgerTime.milliseconds)
        try await db.query("DELETE FROM welkom.identifier WHERE customer = \(e.customer)", "enroll")
        try await db.query("""
            INSERT INTO welkom.consent (customer, scopes, name, language, enrolled_ms, expires_ms, consent_text_version,
                note, tags, has_beacon_key, has_eid, has_irk, card_count, static_kinds, key_material, change_seq)
            VALUES (\(e.customer), \(scopes), \(e.name), \(e.language.rawValue), \(enrolled), \(expires),
                \(e.consentTextVersion), \(e.note), \(tags), \(e.beaconKey != nil), \(e.eid != nil), \(e.irk != nil),
                \(e.cards.count), \(statics), \(Data(sealed)), \(seq))
            ON CONFLICT (customer) DO UPDATE SET scopes = EXCLUDED.scopes, name = EXCLUDED.name,
                language = EXCLUDED.language, enrolled_ms = EXCLUDED.enrolled_ms, expires_ms = EXCLUDED.expires_ms,
                consent_text_version = EXCLUDED.consent_text_version, note = EXCLUDED.note, tags = EXCLUDED.tags,
                has_beacon_key = EXCLUDED.has_beacon_key, has_eid = EXCLUDED.has_eid, has_irk = EXCLUDED.has_irk,
                card_count = EXCLUDED.card_count, static_kinds = EXCLUDED.static_kinds,
                key_material = EXCLUDED.key_material, change_seq = EXCLUDED.change_seq
            """, "enroll")
        for (fingerprint, what) in prints {
            try await db.query("""
                INSERT INTO welkom.identifier (fingerprint, customer, what) VALUES (\(Data(fingerprint)), \(e.customer), \(what))
                ON CONFLICT (fingerprint) DO NOTHING
                """, "enroll")
        }
        var kinds: [String] = []
        if e.beaconKey != nil { kinds.append("wlk1") }
        if !e.cards.isEmpty { kinds.append("card") }
        let receipt = ConsentReceipt(event: .given, time: now, collectionMethod: channel, language: e.language.rawValue,
                                     consentTextVersion: e.consentTextVersion, scopes: Array(e.scopes),
                                     identifierKinds: kinds, expires: e.expires)
        try await db.query("""
            INSERT INTO welkom.consent_receipt (customer, event, receipt_id, receipt)
            VALUES (\(e.customer), 'given', \(receipt.consentReceiptID), \(receipt.json))
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
