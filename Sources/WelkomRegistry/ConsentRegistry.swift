import Foundation
import GRDB
import WelkomStorage
import WelkomCore
import WelkomIdentifiers

/// The consent registry in DATA/registry.sqlite: who opted in, to what, and the key material to
/// recognise them by (WLK1 beacon keys, EID keys, IRKs, static identifiers, card pseudonyms). Everyone not in here stays anonymous.
///
/// The agent and the CLI open it at the same time: writes serialise on SQLite's write lock
/// (WAL, busy timeout). A change made by the CLI reaches the running agent over its control socket
/// (WelkomConsent's ConsentService), which loads a `snapshot` and answers once it has applied it.
/// Withdrawal deletes the key material outright; with `secure_delete` and a truncating WAL
/// checkpoint no copy of it stays in the database files.
public final class ConsentRegistry: Sendable {
    /// DATA/registry.sqlite
    public let fileURL: URL
    /// DATA/card-pepper.key
    public let pepperFileURL: URL
    /// The key of every card pseudonym (32 bytes).
    public let pepper: [UInt8]
    /// A DatabasePool read-write; a DatabaseQueue when opened read-only.
    let pool: any DatabaseWriter
    /// After every read: a read-only open without locks checks that no writer came meanwhile.
    private let confirmRead: @Sendable () throws -> Void
    let clock: any WelkomClock
    var path: String { fileURL.path }

    /// Opens (and on first use creates) the data directory (0700), DATA/registry.sqlite and
    /// DATA/card-pepper.key (32 random bytes, 0600). `clock` decides what "in the past" means
    /// for an expiry and stamps enrolments.
    ///
    /// With `readOnly` (the audit commands): no file in the directory is created, written or
    /// touched (PrivateSQLiteFile.openReadOnly), an older schema is an error instead of a
    /// migration, and every change throws. The pepper is not needed to read consents and is
    /// left empty, so such a registry cannot compute card pseudonyms.
    public init(dataDirectory: URL, clock: any WelkomClock = SystemClock(), readOnly: Bool = false) throws {
        fileURL = dataDirectory.appendingPathComponent("registry.sqlite")
        pepperFileURL = dataDirectory.appendingPathComponent(CardPepper.fileName)
        self.clock = clock
        let path = fileURL.path
        if readOnly {
            pepper = []
            do {
                let database = try PrivateSQLiteFile.openReadOnly(path: path)
                let queue = database.queue
                confirmRead = { try database.confirm() }
                let migrator = RegistrySchema.migrator
                let (superseded, complete) = try queue.read { db in
                    (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
                }
                if superseded { throw RegistryError.schema(path: path, reason: "written by a newer version of Welkom") }
                if !complete {
                    throw RegistryError.schema(path: path, reason: "schema is older than this version of Welkom; "
                                               + "run `welkom audit migrate --data \(dataDirectory.path)` or start the agent")
                }
                pool = queue
            } catch let error as RegistryError {
                throw error
            } catch {
                throw RegistryError.storage(path: path, operation: "open", reason: PrivateSQLiteFile.reason(error))
            }
            return
        }
        do {
            try PrivateSQLiteFile.prepare(directory: dataDirectory, file: fileURL)
        } catch {
            throw RegistryError.storage(path: path, operation: "create", reason: PrivateSQLiteFile.reason(error))
        }
        confirmRead = {}
        pepper = try CardPepper.loadOrCreate(at: pepperFileURL)
        do {
            let pool = try DatabasePool(path: path, configuration: PrivateSQLiteFile.configuration())
            let migrator = RegistrySchema.migrator
            // GRDB sets NORMAL for WAL; FULL makes an enrolment or withdrawal durable on return.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try migrator.migrate(pool)
            if try pool.read(migrator.hasBeenSuperseded) {
                throw RegistryError.schema(path: path, reason: "written by a newer version of Welkom")
            }
            self.pool = pool
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.storage(path: path, operation: "open", reason: PrivateSQLiteFile.reason(error))
        }
    }

    // MARK: - Changes

    /// Records a consent. Re-enrolling a customer replaces their consent (scopes, keys, cards)
    /// in one transaction: afterwards only the new key material recognises them.
    @available(*, noasync, message: "blocks the thread on SQLite; use await enroll(_:) in async code")
    public func enroll(_ e: Enrolment) throws {
        let pseudonyms = try validated(e)
        let now = clock.now()
        let replaced: Bool
        do {
            replaced = try pool.write { db in try Self.write(e, pseudonyms: pseudonyms, at: now, db) }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.storage(path: path, operation: "enroll", reason: PrivateSQLiteFile.reason(error))
        }
        // The replaced keys are gone from the tables; also flush them out of the WAL file.
        if replaced { try truncateLog() }
    }

    /// Records many consents in ONE transaction (`consent import`): all of them or, when any is
    /// refused, none — the registry is as it was. Each is checked as `enroll(_:)` checks one, and
    /// the batch as a whole: a customer or a card twice in it is refused (numbered from 1), since
    /// the later one would silently replace or fight the earlier.
    @available(*, noasync, message: "blocks the thread on SQLite; use await enroll(all:) in async code")
    public func enroll(all enrolments: [Enrolment]) throws {
        var checked: [(Enrolment, [(Int, [UInt8])])] = []
        var customers: [CustomerID: Int] = [:]
        var cards: [[UInt8]: Int] = [:]
        for (i, e) in enrolments.enumerated() {
            let pseudonyms = try validated(e)
            if let first = customers.updateValue(i + 1, forKey: e.customer) {
                throw RegistryError.duplicateCustomerInBatch(customer: e.customer, first: first, second: i + 1)
            }
            for (_, p) in pseudonyms {
                if let first = cards.updateValue(i + 1, forKey: p) {
                    throw RegistryError.duplicateCardInBatch(first: first, second: i + 1)
                }
            }
            checked.append((e, pseudonyms))
        }
        guard !checked.isEmpty else { return }
        let now = clock.now()
        let replaced: Bool
        do {
            replaced = try pool.write { db in
                var any = false
                for (e, pseudonyms) in checked {
                    if try Self.write(e, pseudonyms: pseudonyms, at: now, db) { any = true }
                }
                return any
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.storage(path: path, operation: "import", reason: PrivateSQLiteFile.reason(error))
        }
        if replaced { try truncateLog() }
    }

    /// One consent's rows, inside the caller's transaction; true when it replaced an earlier one.
    /// Throws (rolling the whole transaction back) when a key of it belongs to someone else.
    /// Cached statements: an import or a chain's initial load runs these once per consent, and
    /// compiling eight statements a consent was most of the time of a million-consent load.
    private static func write(_ e: Enrolment, pseudonyms: [(Int, [UInt8])], at now: Date, _ db: Database) throws -> Bool {
        for (i, p) in pseudonyms {
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT customer FROM card WHERE pseudonym = ?"),
                                            arguments: [Data(p)])
            if let owner, owner != e.customer {
                throw RegistryError.cardEnrolledForAnotherCustomer(customer: e.customer, card: i)
            }
        }
        if let key = e.beaconKey {
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT customer FROM consent WHERE beacon_key = ?"),
                                            arguments: [Data(key.bytes)])
            if let owner, owner != e.customer {
                throw RegistryError.beaconKeyEnrolledForAnotherCustomer(customer: e.customer)
            }
        }
        for (column, what, key) in [("eid_key", "EID key", e.eid?.identityKey), ("irk", "IRK", e.irk)] {
            guard let key else { continue }
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT customer FROM consent WHERE \(column) = ?"),
                                            arguments: [Data(key.bytes)])
            if let owner, owner != e.customer {
                throw RegistryError.identifierEnrolledForAnotherCustomer(customer: e.customer, what: what)
            }
        }
        for (i, s) in e.staticIdentifiers.enumerated() {
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT customer FROM static_identifier WHERE canonical = ?"),
                                            arguments: [s.canonical])
            if let owner, owner != e.customer {
                throw RegistryError.identifierEnrolledForAnotherCustomer(customer: e.customer,
                                                                         what: "static identifier \(i + 1)")
            }
        }
        try db.cachedStatement(sql: "DELETE FROM static_identifier WHERE customer = ?").execute(arguments: [e.customer])
        try db.cachedStatement(sql: "DELETE FROM card WHERE customer = ?").execute(arguments: [e.customer])
        try db.cachedStatement(sql: "DELETE FROM consent WHERE customer = ?").execute(arguments: [e.customer])
        let existed = db.changesCount > 0
        try ConsentRecord(e, enrolled: now).insert(db)
        for (_, p) in pseudonyms {
            try CardRecord(pseudonym: p, customer: e.customer).insert(db)
        }
        for s in Set(e.staticIdentifiers.map(\.canonical)) {
            try StaticIdentifierRecord(canonical: s, customer: e.customer).insert(db)
        }
        try bumpCounter(db)
        return existed
    }

    /// Deletes the customer's consent and all key material: beacon key, EID key, IRK, static
    /// identifiers and card pseudonyms (gone, not flagged).
    /// Returns false if the customer was not enrolled.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use await withdraw(customer:) in async code")
    public func withdraw(customer: CustomerID) throws -> Bool {
        guard !customer.isEmpty else { throw RegistryError.emptyCustomerID }
        let deleted: Bool
        do {
            deleted = try pool.write { db -> Bool in
                try db.execute(sql: "DELETE FROM card WHERE customer = ?", arguments: [customer])
                try db.execute(sql: "DELETE FROM static_identifier WHERE customer = ?", arguments: [customer])
                try db.execute(sql: "DELETE FROM consent WHERE customer = ?", arguments: [customer])
                guard db.changesCount > 0 else { return false }
                try Self.bumpCounter(db)
                return true
            }
        } catch {
            throw RegistryError.storage(path: path, operation: "withdraw", reason: PrivateSQLiteFile.reason(error))
        }
        // Always, so that withdrawing again finishes an interrupted erasure.
        try truncateLog()
        return deleted
    }

    // MARK: - Reading

    /// Every consent, expired or not, ordered by customer ID (`welkom consent list`).
    @available(*, noasync, message: "blocks the thread on SQLite; use await consents() in async code")
    public func consents() throws -> [ConsentSummary] {
        let rows = try read("list") { db -> [(ConsentRecord, Int, [String])] in
            let counts = try Row.fetchAll(db, sql: "SELECT customer, COUNT(*) AS n FROM card GROUP BY customer")
            var cardCount: [String: Int] = [:]
            for row in counts {
                cardCount[try row.decode(String.self, forColumn: "customer")] = try row.decode(Int.self, forColumn: "n")
            }
            var kinds: [String: [String]] = [:]
            for s in try StaticIdentifierRecord.fetchAll(db, sql: "SELECT * FROM static_identifier ORDER BY canonical") {
                kinds[s.customer, default: []].append(StaticIdentifier(canonical: s.canonical)?.kind ?? "unknown")
            }
            return try ConsentRecord.fetchAll(db, sql: "SELECT * FROM consent ORDER BY customer")
                .map { ($0, cardCount[$0.customer] ?? 0, kinds[$0.customer] ?? []) }
        }
        return try rows.map { try $0.0.summary(cardCount: $0.1, staticKinds: $0.2) }
    }

    /// The key material of every consent that has not expired at `at` (expiry is exclusive:
    /// a consent expiring at `at` is no longer active). Ordered by customer ID.
    @available(*, noasync, message: "blocks the thread on SQLite; use await snapshot(at:) in async code")
    public func activeKeys(at: Date) throws -> [ConsentKeys] {
        var unused: [Block128]?
        return try read("read keys") { db in try Self.activeKeys(db, at: at, ordered: true, tokenKeys: &unused) }
    }

    /// Keys and the change counter read in one transaction, so the two agree: what the agent
    /// loads into its tables is one state of the registry, never half of a change. Profiles are
    /// not in it: the agent reads one when it recognises its customer (`profile(of:)`), so a
    /// million customers' names and scopes need not be read at start nor held in memory.
    ///
    /// With `withTokenKeys` (a load into empty tables: the agent's start) the WLK1 token keys are
    /// derived on other threads while the rows are still being read, a chunk at a time.
    @available(*, noasync, message: "blocks the thread on SQLite; use await snapshot(at:) in async code")
    public func snapshot(at: Date, withTokenKeys: Bool = false) throws -> ConsentSnapshot {
        try read("read consents") { db in
            let counter = try Int64.fetchOne(db, sql: "SELECT change_counter FROM registry_state WHERE id = 1") ?? 0
            var tokenKeys: [Block128]? = withTokenKeys ? [] : nil
            let keys = try Self.activeKeys(db, at: at, ordered: false, tokenKeys: &tokenKeys)
            return ConsentSnapshot(changeCounter: counter, keys: keys, wlk1TokenKeys: tokenKeys)
        }
    }

    /// One customer's keys, as `snapshot` would hold them; nil when they have no active consent
    /// (none, withdrawn, or expired at `at`). An enrolment applied to a running agent reads only
    /// its customer: re-reading a million consents per enrolment took the agent 1-2 s each.
    @available(*, noasync, message: "blocks the thread on SQLite; use await keys(of:at:) in async code")
    public func keys(of customer: CustomerID, at: Date) throws -> ConsentKeys? {
        try read("read consent") { db in
            var none: [Block128]?
            return try Self.activeKeys(db, at: at, ordered: false, only: customer, tokenKeys: &none).first
        }
    }

    /// Beacon keys handed to the token-key derivation this many at a time while reading.
    static let tokenKeyChunk = 65_536

    /// One pass over the consents by column position, reading only the key columns: decoding whole
    /// records by column name was most of the agent's start with a million customers. Unordered,
    /// they come in storage order: ordering a million by customer ID costs a third of the read.
    /// `tokenKeys`: nil to derive none; otherwise filled with the WLK1 token key of each beacon
    /// key, in the order of the returned consents that have one.
    /// `only`: that customer's row alone (an enrolment), by the same decoding.
    private static func activeKeys(_ db: Database, at: Date, ordered: Bool, only: CustomerID? = nil,
                                   tokenKeys: inout [Block128]?) throws -> [ConsentKeys] {
        let cutoff = RegistryTime.milliseconds(at)
        var cards: [String: [[UInt8]]] = [:]
        let cardRows = try Row.fetchCursor(db, sql: """
            SELECT card.customer, card.pseudonym FROM card JOIN consent USING (customer)
            WHERE (consent.expires_ms IS NULL OR consent.expires_ms > ?)\(only == nil ? "" : " AND card.customer = ?")
            """, arguments: StatementArguments([cutoff as any DatabaseValueConvertible] + (only.map { [$0] } ?? [])))
        while let row = try cardRows.next() {
            let pseudonym = try row.withUnsafeData(atIndex: 1) { Array($0 ?? Data()) }
            cards[try row.decode(String.self, atIndex: 0), default: []].append(pseudonym)
        }
        var statics: [String: [String]] = [:]
        let staticRows = try Row.fetchCursor(
            db, sql: "SELECT customer, canonical FROM static_identifier\(only == nil ? "" : " WHERE customer = ?") ORDER BY canonical",
            arguments: StatementArguments(only.map { [$0] } ?? []))
        while let row = try staticRows.next() {
            statics[try row.decode(String.self, atIndex: 0), default: []].append(try row.decode(String.self, atIndex: 1))
        }
        var keys: [ConsentKeys] = []
        // Sized once: growing a million-entry array by doubling copies it and faults its pages twice.
        keys.reserveCapacity(only != nil ? 1 : try Int.fetchOne(db, sql: "SELECT count(*) FROM consent") ?? 0)
        var pending: [Block128] = [], derivations: [WLK1TokenKeys.Background] = []
        let deriving = tokenKeys != nil
        // Waited for on every way out, so no derivation outlives the read.
        defer { for d in derivations { _ = d.wait() } }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT customer, beacon_key, expires_ms, eid_key, eid_exponent, eid_epoch, irk FROM consent
            WHERE (expires_ms IS NULL OR expires_ms > ?)\(only == nil ? "" : " AND customer = ?")\(ordered ? " ORDER BY customer" : "")
            """, arguments: StatementArguments([cutoff as any DatabaseValueConvertible] + (only.map { [$0] } ?? [])))
        while let row = try rows.next() {
            let customer = try row.decode(String.self, atIndex: 0)
            // Few customers have cards or static identifiers: no hashing of every ID for them.
            let customerCards = cards.isEmpty ? [] : cards[customer] ?? []
            let staticIDs = try (statics.isEmpty ? [] : statics[customer] ?? []).map { text throws(RegistryError) -> StaticIdentifier in
                guard let s = StaticIdentifier(canonical: text) else {
                    throw RegistryError.unreadableConsent(customer: customer, reason: "a static identifier is not in canonical form")
                }
                return s
            }
            var eid: EIDRegistration?
            if let identityKey = try key(row, 3, customer: customer, what: "EID key") {
                guard let exponent = try row.decode(Int64?.self, atIndex: 4).flatMap({ UInt8(exactly: $0) }), exponent <= 15,
                      let epoch = try row.decode(Int64?.self, atIndex: 5) else {
                    throw RegistryError.unreadableConsent(customer: customer,
                                                          reason: "EID key without a rotation exponent 0…15 and an epoch")
                }
                eid = EIDRegistration(identityKey: identityKey, exponent: exponent, epoch: epoch)
            }
            let beaconKey = try key(row, 1, customer: customer, what: "beacon key")
            if deriving, let beaconKey {
                pending.append(beaconKey)
                if pending.count == tokenKeyChunk {
                    derivations.append(WLK1TokenKeys.Background(pending))
                    pending.removeAll(keepingCapacity: true)
                }
            }
            keys.append(ConsentKeys(customer: customer, beaconKey: beaconKey,
                                    cardPseudonyms: customerCards.sorted { $0.lexicographicallyPrecedes($1) },
                                    eid: eid, irk: try key(row, 6, customer: customer, what: "IRK"), staticIdentifiers: staticIDs,
                                    expires: try row.decode(Int64?.self, atIndex: 2).map(RegistryTime.date)))
        }
        if deriving {
            if !pending.isEmpty { derivations.append(WLK1TokenKeys.Background(pending)) }
            var derived: [Block128] = []
            derived.reserveCapacity(derivations.count * tokenKeyChunk)
            for d in derivations { derived += d.wait() }
            derivations = []
            tokenKeys = derived
        }
        return keys
    }

    /// A 16-byte key column read in place (no Data copied); nil when NULL.
    private static func key(_ row: Row, _ index: Int, customer: CustomerID, what: String) throws -> Block128? {
        try row.withUnsafeData(atIndex: index) { data throws(RegistryError) -> Block128? in
            guard let data else { return nil }
            guard data.count == 16 else {
                throw .unreadableConsent(customer: customer, reason: "\(what) is \(data.count) bytes, expected 16")
            }
            return data.withUnsafeBytes { b in
                Block128(hi: UInt64(bigEndian: b.loadUnaligned(as: UInt64.self)),
                         lo: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
        }
    }

    /// Scopes, name and language of every consent, expired or not.
    @available(*, noasync, message: "blocks the thread on SQLite; use await snapshot(at:) in async code")
    public func profiles() throws -> [CustomerID: CustomerProfile] {
        let records = try read("read profiles") { db in try ConsentRecord.fetchAll(db, sql: "SELECT * FROM consent") }
        var result: [CustomerID: CustomerProfile] = [:]
        result.reserveCapacity(records.count)
        for r in records { result[r.customer] = try r.profile() }
        return result
    }

    @available(*, noasync, message: "blocks the thread on SQLite; use await profile(of:) in async code")
    public func profile(of customer: CustomerID) throws -> CustomerProfile? {
        // A cached statement: the agent reads a profile at each recognition its cache misses.
        let record = try read("read profile") { db in
            try ConsentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM consent WHERE customer = ?"), arguments: [customer])
        }
        return try record?.profile()
    }

    /// Grows with every enrolment and withdrawal, by this process or any other. One indexed
    /// single-row read: cheap enough to poll every 200 ms.
    @available(*, noasync, message: "blocks the thread on SQLite; use await snapshot(at:) in async code")
    public func changeCounter() throws -> Int64 {
        try read("read change counter") { db in
            try Int64.fetchOne(db, sql: "SELECT change_counter FROM registry_state WHERE id = 1") ?? 0
        }
    }

    /// The pseudonym under which a normalised card number is (or would be) stored.
    public func pseudonym(forCard normalised: String) -> [UInt8] {
        CardPseudonym.compute(pepper: pepper, normalised: normalised)
    }

    // MARK: - Internals

    /// Checks an enrolment and returns its card pseudonyms (numbered from 1, duplicates dropped).
    func validated(_ e: Enrolment) throws(RegistryError) -> [(Int, [UInt8])] {
        // Not trimmingCharacters: bridged through NSString, it was a twentieth of a bulk load.
        guard e.customer.unicodeScalars.contains(where: { !CharacterSet.whitespacesAndNewlines.contains($0) }) else {
            throw .emptyCustomerID
        }
        if let (field, reason) = e.fieldLimitProblem {
            if field == "customer ID" { throw .invalidCustomerID(reason: reason) }
            throw .fieldLimit(customer: e.customer, field: field, reason: reason)
        }
        guard !e.scopes.isEmpty else { throw .noScopes(customer: e.customer) }
        guard e.beaconKey != nil || !e.cards.isEmpty || e.eid != nil || e.irk != nil || !e.staticIdentifiers.isEmpty else {
            throw .nothingToRecognise(customer: e.customer)
        }
        if let eid = e.eid, eid.exponent > 15 { throw .eidExponentOutOfRange(customer: e.customer, exponent: eid.exponent) }
        for (i, tag) in e.tags.sorted().enumerated() where !Enrolment.isValidTag(tag) {
            throw .invalidTag(customer: e.customer, tag: i + 1)
        }
        if let expires = e.expires, expires <= clock.now() {
            throw .expiryInPast(customer: e.customer, expires: expires)
        }
        var result: [(Int, [UInt8])] = []
        for (i, card) in e.cards.enumerated() {
            guard Self.isNormalised(card) else { throw .cardNotNormalised(customer: e.customer, card: i + 1) }
            let p = pseudonym(forCard: card)
            // At most 16 cards: a scan, not a Set that hashes each pseudonym byte by byte.
            if !result.contains(where: { $0.1 == p }) { result.append((i + 1, p)) }
        }
        return result
    }

    /// The shapes CardNumber produces: digits alone, or "uid:" and the UID in lowercase hex.
    /// Anything else would be stored under a pseudonym no reader ever produces.
    static func isNormalised(_ card: String) -> Bool {
        let u = Array(card.utf8)
        if u.starts(with: Array("uid:".utf8)) {
            let hex = u.dropFirst(4)
            return CardNumber.uidSizes.contains(hex.count / 2) && hex.count % 2 == 0
                && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        return (CardNumber.minimumDigits...CardNumber.maximumDigits).contains(u.count)
            && u.allSatisfy { (0x30...0x39).contains($0) }
    }

    static func bumpCounter(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE registry_state SET change_counter = change_counter + 1 WHERE id = 1").execute()
    }

    /// Empties the write-ahead log so old versions of deleted rows do not stay in DATA/registry.sqlite-wal.
    func truncateLog() throws {
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw RegistryError.erasureIncomplete(path: path, reason: PrivateSQLiteFile.reason(error))
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.read(body)
            try confirmRead()
            return result
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError.storage(path: path, operation: operation, reason: PrivateSQLiteFile.reason(error))
        }
    }
}
