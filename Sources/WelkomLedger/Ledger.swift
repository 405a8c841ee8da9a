import Foundation
import GRDB
import WelkomStorage
import WelkomCore

/// The tamper-evident match log in DATA/ledger.sqlite (design brief: "the ledger").
///
/// Every entry is chained to the one before (LedgerChain), so changing, inserting or removing
/// an entry in the middle breaks `verify()`. An entry's customer ID can be erased (`unlink`)
/// without breaking the chain: the chain covers a salted commitment to the ID, not the ID.
///
/// Durability: WAL with `synchronous = FULL`, so an entry is on disk when `append` returns;
/// the agent shows a prompt only after that (fail closed). Appends from several threads and
/// from several processes serialise on SQLite's write lock: the next sequence number and the
/// previous hash are read inside the same IMMEDIATE transaction that inserts.
public final class Ledger: Sendable {
    /// DATA/ledger.sqlite
    public let fileURL: URL
    private let pool: DatabasePool
    private var path: String { fileURL.path }

    /// Opens (and on first use creates) DATA/ledger.sqlite. With `readOnly`, nothing is created
    /// or migrated and every write throws: for audits of a copied or write-protected data directory.
    public init(dataDirectory: URL, readOnly: Bool = false) throws {
        fileURL = dataDirectory.appendingPathComponent("ledger.sqlite")
        let path = fileURL.path
        do {
            if readOnly {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw LedgerError.storage(path: path, operation: "open", reason: "no ledger here")
                }
            } else {
                try PrivateSQLiteFile.prepare(directory: dataDirectory, file: fileURL)
            }
            pool = try DatabasePool(path: path, configuration: PrivateSQLiteFile.configuration(readOnly: readOnly))
            let migrator = LedgerSchema.migrator
            if !readOnly {
                // GRDB sets NORMAL for WAL; FULL also syncs the log on every commit, which is
                // what makes `append` durable on return.
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
                try migrator.migrate(pool)
            }
            let (superseded, complete) = try pool.read { db in
                (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
            }
            if superseded {
                throw LedgerError.schema(path: path, reason: "written by a newer version of Welkom")
            }
            if !complete {
                throw LedgerError.schema(path: path, reason: "schema is older than this version; open it read-write once to migrate")
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.storage(path: path, operation: "open", reason: PrivateSQLiteFile.reason(error))
        }
    }

    /// Records one entry and returns it with its sequence number and hash. When this returns,
    /// the entry is on disk; when it throws, nothing was recorded.
    @discardableResult
    public func append(_ draft: LedgerDraft) throws -> LedgerEntry {
        if let customer = draft.customer, customer.isEmpty {
            throw LedgerError.invalidDraft("customer ID is empty (use nil for an entry about nobody)")
        }
        let timeMs = LedgerTime.milliseconds(draft.time)
        let record: LedgerRecord
        do {
            record = try pool.write { db -> LedgerRecord in
                let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM entry ORDER BY seq DESC LIMIT 1")
                let seq = try head.map { try $0.decode(Int64.self, forColumn: "seq") + 1 } ?? 1
                let previous = try head.map { Array(try $0.decode(Data.self, forColumn: "hash")) } ?? LedgerChain.genesis
                var salt: [UInt8]?
                var commitment: [UInt8]?
                if let customer = draft.customer {
                    let s = LedgerChain.newSalt()
                    salt = s
                    commitment = LedgerChain.commitment(salt: s, customer: customer)
                }
                let kind = draft.kind.rawValue, scheme = draft.scheme?.rawValue
                let hash = LedgerChain.link(previous: previous, seq: seq, timeMilliseconds: timeMs, kind: kind,
                                            commitment: commitment, scheme: scheme, till: draft.till,
                                            prompt: draft.prompt, detail: draft.detail)
                let record = LedgerRecord(seq: seq, timeMilliseconds: timeMs, kind: kind, customer: draft.customer,
                                          salt: salt, customerCommitment: commitment, scheme: scheme,
                                          till: draft.till, prompt: draft.prompt, detail: draft.detail, hash: hash)
                try record.insert(db)
                return record
            }
        } catch {
            throw LedgerError.storage(path: path, operation: "append", reason: PrivateSQLiteFile.reason(error))
        }
        return try record.entry()
    }

    /// Entries with a sequence number above `seq`, oldest first.
    public func entries(after seq: Int64 = 0, limit: Int? = nil) throws -> [LedgerEntry] {
        try records(after: seq, limit: limit).map { try $0.entry() }
    }

    /// Walks the whole chain in one read transaction: sequence numbers without gaps, every
    /// customer ID matching its commitment, every hash matching the entry and its predecessor.
    public func verify() throws -> LedgerVerification {
        do {
            return try pool.read { db in try Self.verify(db) }
        } catch {
            throw LedgerError.storage(path: path, operation: "verify", reason: PrivateSQLiteFile.reason(error))
        }
    }

    /// Calls `write` with one JSON object per entry (no trailing newline), oldest first, in the
    /// format of LedgerJSONLine. Prints stored values as they are; `verify` judges them.
    public func exportJSONLines(_ write: (String) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            // Batches keep memory flat on a large ledger and hold no read lock while `write` runs.
            let batch = try records(after: after, limit: 1000)
            guard let last = batch.last else { return }
            for r in batch {
                try write(LedgerJSONLine.encode(seq: r.seq, timeMilliseconds: r.timeMilliseconds, kind: r.kind,
                                                customer: r.customer, scheme: r.scheme, till: r.till,
                                                prompt: r.prompt, detail: r.detail, hash: Hex.encode(r.hash)))
            }
            after = last.seq
        }
    }

    /// Erases `customer` from every entry (withdrawal, erasure request): the ID and its salt
    /// become NULL, the commitment stays, so the chain still verifies and nobody can tie the
    /// entries to the customer again. Then truncates the write-ahead log so no copy of the old
    /// rows stays in DATA/ledger.sqlite-wal. Returns how many entries were unlinked.
    /// Running it again is harmless (and finishes an `erasureIncomplete`).
    @discardableResult
    public func unlink(customer: CustomerID) throws -> Int {
        guard !customer.isEmpty else { throw LedgerError.invalidDraft("customer ID to unlink is empty") }
        let unlinked: Int
        do {
            unlinked = try pool.write { db -> Int in
                try db.execute(sql: "UPDATE entry SET customer = NULL, salt = NULL WHERE customer = ?",
                               arguments: [customer])
                return db.changesCount
            }
        } catch {
            throw LedgerError.storage(path: path, operation: "unlink", reason: PrivateSQLiteFile.reason(error))
        }
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw LedgerError.erasureIncomplete(path: path, unlinked: unlinked, reason: PrivateSQLiteFile.reason(error))
        }
        return unlinked
    }

    public func count() throws -> Int64 {
        do {
            return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") ?? 0 }
        } catch {
            throw LedgerError.storage(path: path, operation: "count", reason: PrivateSQLiteFile.reason(error))
        }
    }

    // MARK: - Internals

    private func records(after seq: Int64, limit: Int?) throws -> [LedgerRecord] {
        do {
            return try pool.read { db in
                try LedgerRecord.fetchAll(db, sql: "SELECT * FROM entry WHERE seq > ? ORDER BY seq LIMIT ?",
                                          arguments: [seq, limit ?? -1])
            }
        } catch {
            throw LedgerError.storage(path: path, operation: "read", reason: PrivateSQLiteFile.reason(error))
        }
    }

    private static func verify(_ db: Database) throws -> LedgerVerification {
        var previous = LedgerChain.genesis
        var expected: Int64 = 1
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM entry ORDER BY seq")
        while let row = try rows.next() {
            let r: LedgerRecord
            do {
                r = try LedgerRecord(row: row)
            } catch {
                let seq = (try? row.decode(Int64.self, forColumn: "seq")) ?? expected
                return .broken(seq: seq, reason: "unreadable entry (a column holds a value of the wrong type)")
            }
            if r.seq != expected {
                return r.seq > expected
                    ? .broken(seq: expected, reason: "entry \(expected) is missing (the next is \(r.seq))")
                    : .broken(seq: r.seq, reason: "sequence numbers out of order (expected \(expected))")
            }
            if LedgerEntryKind(rawValue: r.kind) == nil {
                return .broken(seq: r.seq, reason: "unknown kind '\(r.kind)'")
            }
            if let scheme = r.scheme, Scheme(rawValue: scheme) == nil {
                return .broken(seq: r.seq, reason: "unknown scheme '\(scheme)'")
            }
            switch (r.customer, r.salt, r.customerCommitment) {
            case let (customer?, salt?, commitment?):
                if LedgerChain.commitment(salt: salt, customer: customer) != commitment {
                    return .broken(seq: r.seq, reason: "customer does not match its commitment")
                }
            case (nil, nil, _):
                break  // about nobody, or unlinked
            case (_?, nil, _):
                return .broken(seq: r.seq, reason: "customer without salt")
            case (_?, _?, nil):
                return .broken(seq: r.seq, reason: "customer without commitment")
            case (nil, _?, _):
                return .broken(seq: r.seq, reason: "salt without customer")
            }
            if r.expectedHash(previous: previous) != r.hash {
                return .broken(seq: r.seq, reason: "hash does not match the entry and its predecessor")
            }
            previous = r.hash
            expected += 1
        }
        return .intact(entries: expected - 1, head: Hex.encode(previous))
    }
}
