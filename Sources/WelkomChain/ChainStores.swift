import Foundation
import PostgresNIO

/// The chain's stores: registering one (and its own login), and what `chain status` shows of each.
public enum ChainStores {
    /// Lowercase letters, digits, '-' and '_', 1–40: it becomes part of a role name.
    public static func isValid(_ id: String) -> Bool {
        (1...40).contains(id.utf8.count)
            && id.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d || $0 == 0x5f }
    }

    public static func roleName(of store: String) -> String { "welkom_store_" + store }

    /// Registers `store` (or, when it exists, gives its login a new password) and returns the
    /// connection URL of its own login, a member of `welkom_store` only.
    public static func add(_ db: ChainDatabase, store: String) async throws -> ChainURL {
        guard isValid(store) else { throw ChainError.invalidStore(store) }
        let role = roleName(of: store)
        // Hex from the system CSPRNG: safe to put in the statement text (ALTER/CREATE ROLE take no binds).
        var rng = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &rng)) }.joined()
        try await db.transaction("add store") {
            let exists = try await db.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)", "add store").first != nil
            let verb = exists ? "ALTER" : "CREATE"
            try await db.execute([
                "\(verb) ROLE \"\(role)\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '\(password)'",
                "GRANT \(ChainSchema.storeGroup) TO \"\(role)\"",
                // NOINHERIT above would hide the group's rights; they are what the login is for.
                "ALTER ROLE \"\(role)\" INHERIT",
            ], "add store")
            try await db.query("""
                INSERT INTO welkom.store (id, role_name) VALUES (\(store), \(role)) ON CONFLICT (id) DO NOTHING
                """, "add store")
        }
        return db.url.with(user: role, password: password)
    }

    public struct Status: Sendable, Equatable {
        public var store: String
        public var lastContact: Date?
        /// Consent changes the store has not read yet.
        public var cursorLag: Int64
        /// Ledger entries the store reported still to ship at its last contact.
        public var ledgerQueued: Int64
        public var entriesShipped: Int64
        /// The newest shipped checkpoint whose signature and root check out centrally.
        public var lastVerifiedCheckpoint: Int64?
    }

    public static func status(_ db: ChainDatabase, only: String? = nil) async throws -> [Status] {
        let head = try await db.query("SELECT COALESCE(max(seq), 0) FROM welkom.consent_change", "status").first?
            .decode(Int64.self) ?? 0
        var result: [Status] = []
        for row in try await db.query("""
            SELECT s.id, s.last_contact, s.consent_cursor, s.ledger_queued,
                   (SELECT count(*) FROM welkom.ledger_entry e WHERE e.store = s.id)
            FROM welkom.store s ORDER BY s.id
            """, "status") {
            let (id, contact, cursor, queued, shipped) = try row.decode((String, Date?, Int64, Int64, Int64).self)
            if let only, only != id { continue }
            let verification = try await ChainLedger.verify(db, store: id)
            result.append(Status(store: id, lastContact: contact, cursorLag: max(0, head - cursor), ledgerQueued: queued,
                                 entriesShipped: shipped, lastVerifiedCheckpoint: verification.lastVerifiedCheckpoint))
        }
        if let only, result.isEmpty { throw ChainError.unknownStore(only) }
        return result
    }
}
