import Foundation
import GRDB
import Synchronization
import WelkomStorage
import WelkomCore

/// The tamper-evident match log in DATA/ledger.sqlite (docs/architecture.md: "the ledger"): an RFC 9162
/// Merkle tree whose leaves commit to salted records (LedgerLeaf), the records stored beside the
/// tree and deletable, signed checkpoints over the tree (LedgerCheckpoint), and inclusion and
/// consistency proofs an outsider can check with MerkleTree alone.
///
/// Durability: WAL with `synchronous = FULL`; an entry is on disk when `append` returns (or
/// `submit` resumes), and the agent shows a prompt only after that (fail closed). Appends that
/// arrive together share one transaction and one fsync (GroupCommit). Appends from several
/// processes serialise on SQLite's write lock: the tree's right edge is read inside the same
/// IMMEDIATE transaction that adds the leaves.
public final class Ledger: Sendable {
    /// DATA/ledger.sqlite
    public let fileURL: URL
    public let dataDirectory: URL
    let pool: any DatabaseWriter
    private let readOnly: Bool
    /// After every read: a read-only open without locks checks that no writer came meanwhile.
    private let confirmRead: @Sendable () throws -> Void
    private let committer: GroupCommit
    var path: String { fileURL.path }

    /// Opens (and on first use creates) DATA/ledger.sqlite, migrating an older ledger (a hash
    /// chain is carried over as leaves, LegacyChainMigration). With `readOnly`, no file in the
    /// directory is created, written or touched (PrivateSQLiteFile.openReadOnly), an older schema
    /// is an error instead of a migration, and every write throws: the audit commands that read.
    public init(dataDirectory: URL, readOnly: Bool = false) throws {
        self.dataDirectory = dataDirectory
        self.readOnly = readOnly
        fileURL = dataDirectory.appendingPathComponent("ledger.sqlite")
        let path = fileURL.path
        let pool: any DatabaseWriter
        var confirmRead: @Sendable () throws -> Void = {}
        do {
            if readOnly {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw LedgerError.storage(path: path, operation: "open", reason: "no ledger here")
                }
                let database = try PrivateSQLiteFile.openReadOnly(path: path)
                pool = database.queue
                confirmRead = { try database.confirm() }
            } else {
                try PrivateSQLiteFile.prepare(directory: dataDirectory, file: fileURL)
                pool = try DatabasePool(path: path, configuration: PrivateSQLiteFile.configuration())
            }
            let migrator = LedgerSchema.migrator
            if !readOnly {
                // GRDB sets NORMAL for WAL; FULL also syncs the log on every commit, which is
                // what makes an append durable on return.
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
                throw LedgerError.schema(path: path, reason: "schema is older than this version of Welkom; "
                                        + "run `welkom audit migrate --data \(dataDirectory.path)` or start the agent")
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.storage(path: path, operation: "open", reason: PrivateSQLiteFile.reason(error))
        }
        self.pool = pool
        self.confirmRead = confirmRead
        committer = GroupCommit { entries in
            do {
                let written = try pool.writeWithoutTransaction { db -> [LedgerEntry] in
                    var result: [LedgerEntry] = []
                    try db.inTransaction(.immediate) {
                        result = try LedgerTreeStore.insert(entries, db: db)
                        return .commit
                    }
                    return result
                }
                return .success(written)
            } catch let error as LedgerError {
                return .failure(error)
            } catch {
                return .failure(.storage(path: path, operation: "append", reason: PrivateSQLiteFile.reason(error)))
            }
        }
        // A ledger carried over from the hash chain gets its first checkpoint at once.
        if !readOnly, try latestCheckpoint() == nil, try notes()[LegacyChainMigration.noteKey] != nil {
            _ = try? writeCheckpoint(at: Date())
        }
    }

    // MARK: - Appending

    /// Records one entry and returns it with its sequence number and leaf hash. When this
    /// returns, the entry is on disk; when it throws, nothing was recorded. Blocks the calling
    /// thread; from async code use `submit`.
    @available(*, noasync, message: "blocks the thread until the fsync; use submit(_:) in async code")
    @discardableResult
    public func append(_ draft: LedgerDraft) throws -> LedgerEntry {
        try append(PreparedEntry(try validated(draft)))
    }

    /// The same as `append`, suspending instead of blocking: concurrent callers share a commit.
    @discardableResult
    public func submit(_ draft: LedgerDraft) async throws -> LedgerEntry {
        let entry = PreparedEntry(try validated(draft))
        try refuseWhenReadOnly()
        return try await withCheckedThrowingContinuation { continuation in
            committer.enqueue(entry) { continuation.resume(with: $0) }
        }
    }

    /// `append(_:receipt:)`, suspending instead of blocking.
    @discardableResult
    public func submit(_ draft: LedgerDraft, receipt: ConsentReceipt) async throws -> LedgerEntry {
        let entry = PreparedEntry(try validated(draft), receipt: receipt.json)
        try refuseWhenReadOnly()
        return try await withCheckedThrowingContinuation { continuation in
            committer.enqueue(entry) { continuation.resume(with: $0) }
        }
    }

    /// Many entries, each with or without a consent receipt (`consent import`), suspending until
    /// all are on disk. They go into the group commit a slice of `GroupCommit.maximumBatch` at a
    /// time, so each slice shares one transaction and one fsync (awaiting entries one by one cost
    /// an fsync each: 100,000 consents took minutes), while a live prompt's entry submitted
    /// meanwhile waits for one slice at most, not for the whole import. Throws the first failure;
    /// the slices before it are recorded, none after it is queued.
    @discardableResult
    public func submit(contentsOf records: [(draft: LedgerDraft, receipt: ConsentReceipt?)]) async throws -> [LedgerEntry] {
        let prepared = try records.map { PreparedEntry(try validated($0.draft), receipt: $0.receipt?.json) }
        try refuseWhenReadOnly()
        var recorded: [LedgerEntry] = []
        recorded.reserveCapacity(prepared.count)
        var start = 0
        while start < prepared.count {
            let slice = prepared[start..<min(prepared.count, start + GroupCommit.maximumBatch)]
            recorded += try await withCheckedThrowingContinuation { continuation in
                let results = BatchResults(count: slice.count) { continuation.resume(with: $0) }
                for (index, entry) in slice.enumerated() {
                    committer.enqueue(entry) { results.set(index, $0) }
                }
            }
            start += slice.count
        }
        return recorded
    }

    /// A consent record: the entry plus its consent receipt (ConsentReceipt JSON), both in the body.
    @available(*, noasync, message: "blocks the thread until the fsync; use submit(_:receipt:) in async code")
    @discardableResult
    public func append(_ draft: LedgerDraft, receipt: ConsentReceipt) throws -> LedgerEntry {
        try append(PreparedEntry(try validated(draft), receipt: receipt.json))
    }

    /// Records many entries in transactions of up to 10,000 (imports, benchmarks). Each chunk is
    /// all or nothing; when this throws, the chunks before the failing one are recorded.
    @discardableResult
    public func append(contentsOf drafts: [LedgerDraft]) throws -> [LedgerEntry] {
        let prepared = try drafts.map { PreparedEntry(try validated($0)) }
        var result: [LedgerEntry] = []
        result.reserveCapacity(prepared.count)
        var start = 0
        while start < prepared.count {
            let chunk = Array(prepared[start..<min(prepared.count, start + 10_000)])
            result += try write("append") { db in try LedgerTreeStore.insert(chunk, db: db) }
            start += chunk.count
        }
        return result
    }

    func append(_ entry: PreparedEntry) throws -> LedgerEntry {
        try refuseWhenReadOnly()
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<LedgerEntry, LedgerError>?>(nil)
        committer.enqueue(entry) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        guard let r = result.withLock({ $0 }) else {
            throw LedgerError.storage(path: path, operation: "append", reason: "no result")
        }
        return try r.get()
    }

    private func validated(_ draft: LedgerDraft) throws(LedgerError) -> LedgerDraft {
        if let customer = draft.customer, customer.isEmpty {
            throw .invalidDraft("customer ID is empty (use nil for an entry about nobody)")
        }
        return draft
    }

    private func refuseWhenReadOnly() throws(LedgerError) {
        if readOnly { throw .storage(path: path, operation: "append", reason: "SQLITE_READONLY: opened read-only") }
    }

    // MARK: - Reading

    /// Entries with a sequence number above `seq`, oldest first (removed bodies read as nil fields).
    public func entries(after seq: Int64 = 0, limit: Int? = nil) throws -> [LedgerEntry] {
        try stored(LedgerQuery(after: seq, limit: limit)).map(\.entry)
    }

    /// Entries matching `query`, with their record state and receipts.
    @available(*, noasync, message: "blocks the thread on SQLite; use await stored(_:) in async code")
    public func stored(_ query: LedgerQuery) throws -> [LedgerStoredEntry] {
        try read("read") { db in try query.fetch(db) }
    }

    @available(*, noasync, message: "blocks the thread on SQLite; use await count() in async code")
    public func count() throws -> Int64 {
        try read("count") { db in Int64(try LedgerTreeStore.size(db)) }
    }

    /// The current tree: size and root.
    public func treeHead() throws -> (size: UInt64, root: [UInt8]) {
        try read("read tree head") { db in
            let size = try LedgerTreeStore.size(db)
            return (size, try LedgerTreeStore.root(db, size: size))
        }
    }

    /// A note the ledger keeps about itself (e.g. how a hash-chain ledger was carried over).
    public func notes() throws -> [String: String] {
        try read("read notes") { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM ledger_note").map {
                (try $0.decode(String.self, forColumn: "key"), try $0.decode(String.self, forColumn: "value"))
            }, uniquingKeysWith: { a, _ in a })
        }
    }

    // MARK: - Checkpoints and proofs

    /// Signs and stores a checkpoint of the current tree. With `onlyIfGrown`, does nothing
    /// (returns nil) when the latest checkpoint already covers every entry.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use await writeCheckpoint(at:onlyIfGrown:) in async code")
    public func writeCheckpoint(at time: Date, onlyIfGrown: Bool = false) throws -> LedgerCheckpoint? {
        try refuseWhenReadOnly()
        let key = try LedgerSigningKey.loadOrCreate(directory: dataDirectory)
        let timeMs = LedgerTime.milliseconds(time)
        do {
            return try pool.writeWithoutTransaction { db -> LedgerCheckpoint? in
                var made: LedgerCheckpoint?
                try db.inTransaction(.immediate) {
                    let size = try LedgerTreeStore.size(db)
                    if onlyIfGrown, let last = try LedgerCheckpointRow.latest(db), last.treeSize == size {
                        return .commit
                    }
                    let root = try LedgerTreeStore.root(db, size: size)
                    let signature = try key.sign(LedgerCheckpoint.signedText(treeSize: size, root: root, timeMilliseconds: timeMs))
                    try db.execute(sql: """
                        INSERT INTO checkpoint (tree_size, root, time_ms, public_key, signature) VALUES (?, ?, ?, ?, ?)
                        """, arguments: [Int64(size), Data(root), timeMs, Data(key.publicKey), Data(signature)])
                    made = LedgerCheckpoint(id: db.lastInsertedRowID, treeSize: size, root: root, timeMilliseconds: timeMs,
                                            publicKey: key.publicKey, signature: signature)
                    return .commit
                }
                return made
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.storage(path: path, operation: "checkpoint", reason: PrivateSQLiteFile.reason(error))
        }
    }

    public func checkpoints() throws -> [LedgerCheckpoint] {
        try read("read checkpoints") { db in try LedgerCheckpointRow.all(db) }
    }

    public func latestCheckpoint() throws -> LedgerCheckpoint? {
        try read("read checkpoints") { db in try LedgerCheckpointRow.latest(db) }
    }

    public func checkpoint(id: Int64) throws -> LedgerCheckpoint {
        guard let c = try read("read checkpoints", { db in try LedgerCheckpointRow.one(db, id: id) }) else {
            throw LedgerError.noSuchCheckpoint(id)
        }
        return c
    }

    /// The leaf hash of entry `seq`.
    public func leafHash(seq: Int64) throws -> [UInt8] {
        guard seq >= 1 else { throw LedgerError.proof("there is no entry \(seq)") }
        return try read("read leaf") { db in try LedgerTreeStore.storedHash(db, height: 0, index: UInt64(seq - 1)) }
    }

    /// The RFC 9162 inclusion proof of entry `seq` in the tree of the first `treeSize` entries.
    public func inclusionProof(seq: Int64, treeSize: UInt64) throws -> [[UInt8]] {
        try read("build inclusion proof") { db in
            let size = try LedgerTreeStore.size(db)
            guard treeSize <= size else { throw LedgerError.proof("the ledger has \(size) entries, not \(treeSize)") }
            guard seq >= 1, UInt64(seq) <= treeSize else {
                throw LedgerError.proof("entry \(seq) is not in a tree of \(treeSize) entries")
            }
            return try MerkleTree.inclusionProof(index: UInt64(seq - 1), size: treeSize) {
                try LedgerTreeStore.subtreeHash(db, $0)
            }
        }
    }

    /// The RFC 9162 consistency proof that the tree of `new` entries extends that of `old`.
    public func consistencyProof(old: UInt64, new: UInt64) throws -> [[UInt8]] {
        try read("build consistency proof") { db in
            let size = try LedgerTreeStore.size(db)
            guard old <= new, new <= size else {
                throw LedgerError.proof("sizes \(old) and \(new) do not fit a ledger of \(size) entries")
            }
            return try MerkleTree.consistencyProof(old: old, new: new) { try LedgerTreeStore.subtreeHash(db, $0) }
        }
    }

    /// The root of the tree of the first `size` entries, from stored hashes.
    public func root(size: UInt64) throws -> [UInt8] {
        try read("read root") { db in
            guard size <= (try LedgerTreeStore.size(db)) else { throw LedgerError.proof("no tree of \(size) entries yet") }
            return try LedgerTreeStore.root(db, size: size)
        }
    }

    // MARK: - Verification

    /// Checks every entry, tree node and checkpoint (or, with `sinceCheckpoint`, trusts that
    /// checkpoint's signed root for the entries it covers and checks the rest). Names the first
    /// entry or checkpoint that does not check out. `publicKey` pins the signing key; without it
    /// the key in DATA/ledger-signing.pub (or the private key file) is used.
    public func verify(sinceCheckpoint: Int64? = nil, publicKey: [UInt8]? = nil) throws -> LedgerVerification {
        let key = publicKey ?? LedgerSigningKey.publicKey(directory: dataDirectory)
        return try read("verify") { db in
            try LedgerVerifier(db: db, publicKey: key).run(sinceCheckpoint: sinceCheckpoint)
        }
    }

    // MARK: - Erasure and retention

    /// Withdrawal: erases `customer` from every record body (the ID and its salt become NULL,
    /// the commitment and the rest of the record stay), so the tree still verifies and nobody
    /// can tie the entries to the customer again. Then truncates the write-ahead log so no copy
    /// of the old rows stays in DATA/ledger.sqlite-wal. Returns how many entries were unlinked.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use await unlink(customer:) in async code")
    public func unlink(customer: CustomerID) throws -> Int {
        guard !customer.isEmpty else { throw LedgerError.invalidDraft("customer ID to unlink is empty") }
        let unlinked = try write("unlink") { db -> Int in
            try db.execute(sql: "UPDATE body SET customer = NULL, customer_salt = NULL WHERE customer = ?", arguments: [customer])
            return db.changesCount
        }
        try truncateLog(done: unlinked)
        return unlinked
    }

    /// Erasure (GDPR art. 17, `audit erase`): deletes the record bodies and salts of every entry
    /// linked to `customer` and records an `erasure` entry that names nobody, in one transaction.
    /// The leaves stay, so the tree, its checkpoints and every other entry's proofs still verify.
    /// Returns how many bodies were deleted and the erasure entry (nil when there was nothing).
    @available(*, noasync, message: "blocks the thread on SQLite; use await erase(customer:at:) in async code")
    public func erase(customer: CustomerID, at time: Date) throws -> (erased: Int, entry: LedgerEntry?) {
        guard !customer.isEmpty else { throw LedgerError.invalidDraft("customer ID to erase is empty") }
        let result = try write("erase") { db -> (Int, LedgerEntry?) in
            let seqs = try Int64.fetchAll(db, sql: "SELECT seq FROM body WHERE customer = ?", arguments: [customer])
            guard !seqs.isEmpty else { return (0, nil) }
            try db.execute(sql: "DELETE FROM body WHERE customer = ?", arguments: [customer])
            let mark = try db.cachedStatement(sql: "UPDATE leaf SET removed = 'erased' WHERE seq = ?")
            for seq in seqs { try mark.execute(arguments: [seq]) }
            let entry = try LedgerTreeStore.insert([PreparedEntry(LedgerDraft(
                time: time, kind: .erasure, detail: "record bodies erased on request: \(seqs.count)"))], db: db).first
            return (seqs.count, entry)
        }
        try truncateLog(done: result.0)
        return (result.0, result.1)
    }

    /// Retention (`audit purge`, daily in the agent): deletes the bodies of recognitions,
    /// acknowledgements and dismissals older than `cutoff`, and records a `purge` entry when any
    /// went. Consent records and the ledger's own erasure and purge records are kept: they are
    /// the proof of consent (GDPR art. 7(1)) and of the deletions themselves.
    @available(*, noasync, message: "blocks the thread on SQLite; use await purge(before:at:) in async code")
    public func purge(before cutoff: Date, at time: Date) throws -> (purged: Int, entry: LedgerEntry?) {
        let cutoffMs = LedgerTime.milliseconds(cutoff)
        let result = try write("purge") { db -> (Int, LedgerEntry?) in
            let seqs = try Int64.fetchAll(db, sql: """
                SELECT leaf.seq FROM leaf JOIN body USING (seq)
                WHERE leaf.time_ms < ? AND leaf.kind IN ('recognition', 'acknowledgement', 'dismissal')
                """, arguments: [cutoffMs])
            try db.execute(sql: "INSERT OR REPLACE INTO ledger_note (key, value) VALUES ('last_purge', ?)",
                           arguments: ["\(LedgerTime.rfc3339(time)): \(seqs.count) bodies older than \(LedgerTime.rfc3339(milliseconds: cutoffMs))"])
            guard !seqs.isEmpty else { return (0, nil) }
            let delete = try db.cachedStatement(sql: "DELETE FROM body WHERE seq = ?")
            let mark = try db.cachedStatement(sql: "UPDATE leaf SET removed = 'purged' WHERE seq = ?")
            for seq in seqs {
                try delete.execute(arguments: [seq])
                try mark.execute(arguments: [seq])
            }
            let entry = try LedgerTreeStore.insert([PreparedEntry(LedgerDraft(
                time: time, kind: .purge,
                detail: "record bodies older than \(LedgerTime.rfc3339(milliseconds: cutoffMs)) deleted: \(seqs.count)"))], db: db).first
            return (seqs.count, entry)
        }
        try truncateLog(done: result.0)
        return (result.0, result.1)
    }

    // MARK: - Export

    /// Calls `write` with one JSON object per entry (no trailing newline), oldest first, in the
    /// format of LedgerJSONLine. With `proofsAgainst`, each line carries its inclusion proof in
    /// that checkpoint's tree (null for entries after it).
    public func exportJSONLines(proofsAgainst checkpoint: LedgerCheckpoint? = nil, _ write: (String) throws -> Void) throws {
        try forEachBatch { batch in
            for s in batch {
                var proof: [[UInt8]]?
                if let checkpoint, UInt64(s.entry.seq) <= checkpoint.treeSize {
                    proof = try inclusionProof(seq: s.entry.seq, treeSize: checkpoint.treeSize)
                }
                try write(LedgerJSONLine.encode(s, proof: proof, checkpoint: checkpoint))
            }
        }
    }

    /// CSV (RFC 4180) with a header line: seq,time,kind,customer,scheme,till,prompt,detail,hash,record.
    public func exportCSV(_ write: (String) throws -> Void) throws {
        try write(LedgerCSVLine.header)
        try forEachBatch { batch in for s in batch { try write(LedgerCSVLine.encode(s)) } }
    }

    /// Batches keep memory flat on a large ledger and hold no read lock while the caller writes.
    private func forEachBatch(_ body: ([LedgerStoredEntry]) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let batch = try stored(LedgerQuery(after: after, limit: 1000))
            guard let last = batch.last else { return }
            try body(batch)
            after = last.entry.seq
        }
    }

    // MARK: - Internals

    private func truncateLog(done: Int) throws {
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw LedgerError.erasureIncomplete(path: path, unlinked: done, reason: PrivateSQLiteFile.reason(error))
        }
    }

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.read(body)
            try confirmRead()
            return result
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.storage(path: path, operation: operation, reason: PrivateSQLiteFile.reason(error))
        }
    }

    private func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try refuseWhenReadOnly()
        do {
            return try pool.writeWithoutTransaction { db -> T in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw LedgerError.storage(path: path, operation: operation, reason: "no result") }
                return result
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.storage(path: path, operation: operation, reason: PrivateSQLiteFile.reason(error))
        }
    }
}
