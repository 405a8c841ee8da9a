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
