import Foundation
import GRDB
import WelkomCore
import WelkomStorage

/// Loading many consents at once: a chain store's initial load writes a million of them.
///
/// `enroll(all:)` asks, for every consent, whether each of its keys belongs to someone else and
/// deletes what it replaces: five or more indexed statements a consent, most of a large load's
/// time. A load into a registry that does not hold these customers yet needs none of that — the
/// unique indexes refuse a key or card that is someone else's — so `load(_:)` tries plain inserts
/// first and, when any row conflicts (a customer already here, a key held by another), rolls the
/// batch back and writes it through `enroll(all:)`, which replaces and names the refusal as ever.
/// The registry ends as `enroll(all:)` would leave it, in one transaction a batch.
extension ConsentRegistry {
    /// Page cache of the writing connection while a load runs (KiB). SQLite's default of 2 MB makes
    /// every insert into a large index read its leaf page back from the file.
    static let loadCacheKiB = 65_536

    /// A batch checked for `load`: every consent as `enroll(_:)` checks it, card pseudonyms derived,
    /// no customer or card twice. Pure computation, so a caller can prepare the next batch on
    /// another thread while one is written.
    public struct LoadBatch: Sendable {
        /// As given: what the careful path writes, and how a refusal is numbered.
        let enrolments: [Enrolment]
        /// In key order: neighbouring inserts land on the same index pages.
        let checked: [(e: Enrolment, pseudonyms: [(Int, [UInt8])])]
        public var count: Int { enrolments.count }
    }

    /// Checks a batch for `load(_:)`; throws what `enroll(all:)` would throw for it.
    public func prepareLoad(_ enrolments: [Enrolment]) throws -> LoadBatch {
        var checked: [(e: Enrolment, pseudonyms: [(Int, [UInt8])])] = []
        checked.reserveCapacity(enrolments.count)
        var customers: [CustomerID: Int] = [:]
        customers.reserveCapacity(enrolments.count)
        var cards: [Pseudonym: Int] = [:]
        cards.reserveCapacity(enrolments.count)
        for (i, e) in enrolments.enumerated() {
            let pseudonyms = try validated(e)
            if let first = customers.updateValue(i + 1, forKey: e.customer) {
                throw RegistryError.duplicateCustomerInBatch(customer: e.customer, first: first, second: i + 1)
            }
            for (_, p) in pseudonyms {
                if let first = cards.updateValue(i + 1, forKey: Pseudonym(bytes: p)) {
                    throw RegistryError.duplicateCardInBatch(first: first, second: i + 1)
                }
            }
            checked.append((e, pseudonyms))
        }
        checked.sort { $0.e.customer < $1.e.customer }
        return LoadBatch(enrolments: enrolments, checked: checked)
    }

    /// Records a batch of consents in ONE transaction, all or none, with the checks and the
    /// result of `enroll(all:)`. Call `endLoad()` after the last batch.
    @available(*, noasync, message: "blocks the thread on SQLite; use await load(_:) in async code")
    public func load(_ enrolments: [Enrolment]) throws {
        try load(try prepareLoad(enrolments))
    }

    @available(*, noasync, message: "blocks the thread on SQLite; use await load(_:) in async code")
    public func load(_ batch: LoadBatch) throws {
        guard !batch.checked.isEmpty else { return }
        let now = clock.now()
        do {
            try pool.write { db in
                try db.execute(sql: "PRAGMA cache_size = -\(Self.loadCacheKiB)")
                try Self.insertNew(batch.checked, at: now, db)
            }
            return
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // Someone in the batch is here already, or holds a key of another: rolled back; the
            // careful path below replaces or refuses exactly as an import does.
        } catch {
            throw RegistryError.storage(path: path, operation: "load", reason: PrivateSQLiteFile.reason(error))
        }
        try enroll(all: batch.enrolments)
    }

    /// After a load: the writing connection's page cache back to SQLite's default.
    @available(*, noasync, message: "blocks the thread on SQLite; use await endLoad() in async code")
    public func endLoad() throws {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -2000") }
        } catch {
            throw RegistryError.storage(path: path, operation: "load", reason: PrivateSQLiteFile.reason(error))
        }
    }

    public func load(_ enrolments: [Enrolment]) async throws {
        try await BlockingIO.run { try self.load(enrolments) }
    }

    public func load(_ batch: LoadBatch) async throws {
        try await BlockingIO.run { try self.load(batch) }
    }

    public func endLoad() async throws {
        try await BlockingIO.run { try self.endLoad() }
    }

    /// A card pseudonym as a dictionary key hashed in one call; `[UInt8]`'s own hashing feeds
    /// the hasher a byte at a time, which was a tenth of a load of carded consents.
    private struct Pseudonym: Hashable {
        let bytes: [UInt8]
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    /// Plain inserts of consents not in the registry, with prepared statements bound by position
    /// (no record encoding a row); throws SQLITE_CONSTRAINT on the first row that is not new.
    private static func insertNew(_ checked: [(e: Enrolment, pseudonyms: [(Int, [UInt8])])], at now: Date,
                                  _ db: Database) throws {
        let consent = try db.cachedStatement(sql: """
            INSERT INTO consent (customer, scopes, name, language, beacon_key, enrolled_ms, expires_ms,
                                 consent_text_version, note, eid_key, eid_exponent, eid_epoch, irk, tags)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let card = try db.cachedStatement(sql: "INSERT INTO card (pseudonym, customer) VALUES (?, ?)")
        let identifier = try db.cachedStatement(sql: "INSERT INTO static_identifier (canonical, customer) VALUES (?, ?)")
        // Most consents share one of a few scope sets: spelled once each.
        var scopeText: [Set<Scope>: String] = [:]
        let enrolled = RegistryTime.milliseconds(now)
        for (e, pseudonyms) in checked {
            let scopes: String
            if let known = scopeText[e.scopes] {
                scopes = known
            } else {
                scopes = e.scopes.sorted().map(\.rawValue).joined(separator: ",")
                scopeText[e.scopes] = scopes
            }
            consent.setUncheckedArguments([
                e.customer, scopes, e.name, e.language.rawValue, e.beaconKey.map { Data($0.bytes) }, enrolled,
                e.expires.map(RegistryTime.milliseconds), e.consentTextVersion, e.note,
                e.eid.map { Data($0.identityKey.bytes) }, e.eid.map { Int64($0.exponent) }, e.eid?.epoch,
                e.irk.map { Data($0.bytes) }, e.tags.isEmpty ? nil : e.tags.sorted().joined(separator: ","),
            ])
            try consent.execute()
            for (_, p) in pseudonyms {
                card.setUncheckedArguments([Data(p), e.customer])
                try card.execute()
            }
            for s in Set(e.staticIdentifiers.map(\.canonical)) {
                identifier.setUncheckedArguments([s, e.customer])
                try identifier.execute()
            }
        }
        try bumpCounter(db)
    }
}
