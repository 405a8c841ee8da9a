import Foundation
import PostgresNIO
import WelkomCore
import WelkomLedger

/// Each store's ledger, shipped to the chain: entries (leaf hash, record state, body) and signed
/// checkpoints, in batches keyed by (store, seq) and (store, id) so a resend never duplicates.
/// Centrally, a store's tree is rebuilt from its shipped leaf hashes and every shipped checkpoint
/// is checked against it and against the store's signing key.
public enum ChainLedger {
    /// Entries per shipped batch: one INSERT binding eleven arrays, a megabyte or two.
    public static let batchSize = 10_000

    /// The highest sequence number this store has shipped (0: none). Read as the store's own login.
    public static func shippedThrough(_ db: ChainDatabase) async throws -> Int64 {
        try await db.query("""
            SELECT COALESCE(max(seq), 0) FROM welkom.ledger_entry WHERE store = welkom.current_store()
            """, "read shipped").first?.decode(Int64.self) ?? 0
    }

    /// Ships one batch of entries; returns how many were new centrally (a resend counts 0).
    /// Each column goes as one binary array parameter, unnested into rows by the server.
    public static func ship(_ entries: [LedgerStoredEntry], _ db: ChainDatabase) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let seqs = entries.map(\.entry.seq)
        let times = entries.map { LedgerTime.milliseconds($0.entry.time) }
        let kinds = ChainArrayParameter.text(entries.lazy.map { $0.entry.kind.rawValue })
        let leaves = ChainArrayParameter.bytea(entries.lazy.map(\.leafHash))
        let records = ChainArrayParameter.text(entries.lazy.map { $0.record.rawValue })
        let customers = ChainArrayParameter.text(entries.lazy.map(\.entry.customer))
        let schemes = ChainArrayParameter.text(entries.lazy.map { $0.entry.scheme?.rawValue })
        let tills = ChainArrayParameter.text(entries.lazy.map(\.entry.till))
        let prompts = ChainArrayParameter.text(entries.lazy.map(\.entry.prompt))
        let details = ChainArrayParameter.text(entries.lazy.map(\.entry.detail))
        let receipts = ChainArrayParameter.text(entries.lazy.map(\.receipt))
        let inserted = try await db.query("""
            WITH shipped AS (
                INSERT INTO welkom.ledger_entry (store, seq, time_ms, kind, leaf_hash, record, customer, scheme, till, prompt, detail, receipt)
                SELECT (SELECT welkom.current_store()), r.*
                FROM unnest(\(seqs)::bigint[], \(times)::bigint[], \(kinds)::text[], \(leaves)::bytea[], \(records)::text[],
                            \(customers)::text[], \(schemes)::text[], \(tills)::text[], \(prompts)::text[], \(details)::text[],
                            \(receipts)::text[]) AS r
                ON CONFLICT (store, seq) DO NOTHING
                RETURNING 1)
            SELECT count(*) FROM shipped
            """, "ship entries").first?.decode(Int64.self)
        return Int(inserted ?? 0)
    }

    public static func ship(_ checkpoints: [LedgerCheckpoint], _ db: ChainDatabase) async throws {
        for c in checkpoints {
            try await db.query("""
                INSERT INTO welkom.ledger_checkpoint (store, id, tree_size, root, time_ms, public_key, signature)
                VALUES (welkom.current_store(), \(c.id), \(Int64(c.treeSize)), \(Data(c.root)), \(c.timeMilliseconds),
                        \(Data(c.publicKey)), \(Data(c.signature)))
                ON CONFLICT (store, id) DO NOTHING
                """, "ship checkpoints")
        }
    }

    public static func shippedCheckpointIDs(_ db: ChainDatabase) async throws -> Set<Int64> {
        Set(try await db.query("SELECT id FROM welkom.ledger_checkpoint WHERE store = welkom.current_store()", "read checkpoints")
            .map { try $0.decode(Int64.self) })
    }

    public struct Verification: Sendable, Equatable {
        public var store: String
        public var entries: Int64
        public var checkpointsVerified: Int
        public var lastVerifiedCheckpoint: Int64?
        /// Why the store's shipped log does not verify; nil when it does.
        public var failure: String?
    }

    /// Rebuilds `store`'s tree from its shipped leaves and checks every checkpoint it covers:
    /// the sequence has no gap, each root matches, each signature is valid under the store's key.
    public static func verify(_ db: ChainDatabase, store: String) async throws -> Verification {
        var result = Verification(store: store, entries: 0, checkpointsVerified: 0)
        let key = try await db.query("SELECT public_key FROM welkom.store WHERE id = \(store)", "verify").first?
            .decode(Data?.self).map { Array($0) }
        var checkpoints: [LedgerCheckpoint] = try await db.query("""
            SELECT id, tree_size, root, time_ms, public_key, signature FROM welkom.ledger_checkpoint
            WHERE store = \(store) ORDER BY tree_size, id
            """, "verify").map { row in
            let (id, size, root, time, pub, sig) = try row.decode((Int64, Int64, Data, Int64, Data, Data).self)
            return LedgerCheckpoint(id: id, treeSize: UInt64(max(0, size)), root: Array(root), timeMilliseconds: time,
                                    publicKey: Array(pub), signature: Array(sig))
        }
        var frontier = MerkleFrontier()
        func check(upTo size: UInt64) -> String? {
            while let c = checkpoints.first, c.treeSize == size {
                checkpoints.removeFirst()
                guard let key else { return "checkpoint \(c.id): the store has reported no signing key" }
                guard c.publicKey == key else { return "checkpoint \(c.id): signed by another key than the store's" }
                guard c.isValidlySigned(by: key) else { return "checkpoint \(c.id): the signature does not verify" }
                guard c.root == frontier.root else { return "checkpoint \(c.id): its root does not match the shipped entries" }
                result.checkpointsVerified += 1
                result.lastVerifiedCheckpoint = c.id
            }
            return nil
        }
        if let failure = check(upTo: 0) { result.failure = failure; return result }
        let rows = try await db.connection.query("""
            SELECT seq, leaf_hash FROM welkom.ledger_entry WHERE store = \(store) ORDER BY seq
            """, logger: db.logger)
        do {
            for try await row in rows {
                let (seq, leaf) = try row.decode((Int64, Data).self)
                guard seq == result.entries + 1 else {
                    result.failure = "entry \(result.entries + 1) is missing (next shipped is \(seq))"
                    return result
                }
                frontier.append(leafHash: Array(leaf))
                result.entries = seq
                if let failure = check(upTo: frontier.size) { result.failure = failure; return result }
            }
        } catch {
            throw ChainError.database(operation: "verify", reason: ChainDatabase.reason(error))
        }
        return result
    }
}
