import Crypto
import Foundation
import GRDB
import WelkomCore
import WelkomStorage

/// DATA/till-pairings.sqlite (0600): one-time pairing codes and the paired displays' tokens.
///
/// `welkom till pair` (the CLI) writes a code; the running agent redeems it when a display
/// posts it, and checks tokens on every request. Only SHA-256 hashes of codes and tokens are
/// stored, so a copy of the file lets nobody pose as a display. Both processes open the file
/// at once: SQLite's WAL and busy timeout serialise them.
public final class PairingStore: Sendable {
    public let fileURL: URL
    private let queue: DatabaseQueue

    /// How long a code from `till pair` may be redeemed.
    public static let codeLifetime: TimeInterval = 5 * 60
    /// How long a token lasts unless its page renews it (`till_display.token_lifetime`'s default).
    public static let defaultTokenLifetime: TimeInterval = 90 * 86_400
    public static let fileName = "till-pairings.sqlite"

    public init(dataDirectory: URL) throws(PairingError) {
        fileURL = dataDirectory.appendingPathComponent(Self.fileName)
        let path = fileURL.path
        do {
            try PrivateSQLiteFile.prepare(directory: dataDirectory, file: fileURL)
            queue = try DatabaseQueue(path: path, configuration: PrivateSQLiteFile.configuration())
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            try Self.migrator.migrate(queue)
        } catch {
            throw PairingError.storage(path: path, reason: PrivateSQLiteFile.reason(error))
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-pairings") { db in
            try db.execute(sql: """
                CREATE TABLE code (hash TEXT PRIMARY KEY NOT NULL, till TEXT NOT NULL, expires REAL NOT NULL);
                CREATE TABLE pairing (id TEXT PRIMARY KEY NOT NULL, till TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
                                      created REAL NOT NULL);
                """)
        }
        // Tokens expire (they used to last until revoked): pairings made before get the default
        // lifetime from the migration on, and their pages renew them as they connect.
        m.registerMigration("v2-token-expiry") { db in
            try db.execute(sql: "ALTER TABLE pairing ADD COLUMN expires REAL")
            try db.execute(sql: "UPDATE pairing SET expires = ?", arguments: [Date().timeIntervalSince1970 + Self.defaultTokenLifetime])
        }
        // Issue 15: a code, and the pairing it makes, carry a role (a desk display may enrol).
        m.registerMigration("v3-roles") { db in
            try db.execute(sql: "ALTER TABLE code ADD COLUMN role TEXT NOT NULL DEFAULT 'till'")
            try db.execute(sql: "ALTER TABLE pairing ADD COLUMN role TEXT NOT NULL DEFAULT 'till'")
        }
        return m
    }

    // MARK: Codes

    /// A fresh one-time code for `till`: 8 random digits, shown as "1234-5678".
    public func issueCode(till: TillID, now: Date, lifetime: TimeInterval = PairingStore.codeLifetime) throws(PairingError) -> String {
        try issueCode(till: till, role: .till, now: now, lifetime: lifetime)
    }

    /// A fresh one-time code whose pairing gets `role` (`till pair --desk`: `.desk`).
    public func issueCode(till: TillID, role: PairingRole, now: Date,
                          lifetime: TimeInterval = PairingStore.codeLifetime) throws(PairingError) -> String {
        var rng = SystemRandomNumberGenerator()
        let digits = (0..<8).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
        try write { db in
            try db.execute(sql: "DELETE FROM code WHERE expires <= ?", arguments: [now.timeIntervalSince1970])
            try db.execute(sql: "INSERT OR REPLACE INTO code (hash, till, expires, role) VALUES (?, ?, ?, ?)",
                           arguments: [Self.hash(digits), till, now.addingTimeInterval(lifetime).timeIntervalSince1970, role.rawValue])
        }
        return String(digits.prefix(4)) + "-" + String(digits.suffix(4))
    }

    /// Exchanges a code (digits; spaces and dashes ignored) for a new pairing and its token.
    /// The code is used up. Nil for an unknown or expired code.
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func redeem(code: String, now: Date, tokenLifetime: TimeInterval = PairingStore.defaultTokenLifetime)
        throws(PairingError) -> NewPairing? {
        let digits = code.filter(\.isNumber)
        guard digits.count == 8, digits.allSatisfy(\.isASCII) else { return nil }
        let hash = Self.hash(digits)
        return try write { db -> NewPairing? in
            guard let row = try Row.fetchOne(db, sql: "SELECT till, expires, role FROM code WHERE hash = ?", arguments: [hash]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM code WHERE hash = ?", arguments: [hash])
            let expires: Double = row["expires"]
            guard expires > now.timeIntervalSince1970 else { return nil }
            let till: String = row["till"]
            let token = Self.randomToken()
            // Never starting with '-', which a command line would take for an option (`till revoke`).
            let id = String(Self.randomToken().drop { $0 == "-" }.prefix(10))
            let tokenExpires = now.addingTimeInterval(tokenLifetime)
            let role = PairingRole(rawValue: row["role"] ?? "") ?? .till
            try db.execute(sql: "INSERT INTO pairing (id, till, token_hash, created, expires, role) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, till, Self.hash(token), now.timeIntervalSince1970, tokenExpires.timeIntervalSince1970,
                                       role.rawValue])
            return NewPairing(pairing: Pairing(id: id, till: till, created: now, expires: tokenExpires, role: role), token: token)
        }
    }

    // MARK: Tokens and pairings

    /// The pairing a token belongs to, or nil (never paired, revoked, or expired at `now`).
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func pairing(token: String, now: Date = Date()) throws(PairingError) -> Pairing? {
        guard !token.isEmpty, token.count <= 128 else { return nil }
        return try read { db in
            // Cached: every request of a paired page comes through here.
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, till, created, expires, role FROM pairing WHERE token_hash = ? AND expires > ?"),
                             arguments: [Self.hash(token), now.timeIntervalSince1970]).map(Self.pairing)
        }
    }

    /// Whether the pairing is still there (not revoked) and not expired at `now`.
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func exists(pairingID: String, now: Date = Date()) throws(PairingError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM pairing WHERE id = ? AND expires > ?",
                              arguments: [pairingID, now.timeIntervalSince1970]) ?? false
        }
    }

    /// Pushes a pairing's expiry out to `until` (never back); false if it is gone or already expired.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func renew(pairingID: String, now: Date, until: Date) throws(PairingError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE pairing SET expires = max(expires, ?) WHERE id = ? AND expires > ?",
                           arguments: [until.timeIntervalSince1970, pairingID, now.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    public func pairings() throws(PairingError) -> [Pairing] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, till, created, expires, role FROM pairing ORDER BY created, id").map(Self.pairing)
        }
    }

    /// Revokes one pairing by its id; false if there was none.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func revoke(pairingID: String) throws(PairingError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM pairing WHERE id = ?", arguments: [pairingID])
            return db.changesCount > 0
        }
    }

    /// Revokes every pairing of a till; returns how many.
    @discardableResult
    public func revoke(till: TillID) throws(PairingError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM pairing WHERE till = ?", arguments: [till])
            return db.changesCount
        }
    }

    // MARK: Helpers

    static func hash(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Data(text.utf8)))
    }

    /// 32 random bytes as base64url without padding (43 characters, cookie- and header-safe).
    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func pairing(_ row: Row) -> Pairing {
        Pairing(id: row["id"], till: row["till"], created: Date(timeIntervalSince1970: row["created"]),
                expires: (row["expires"] as Double?).map { Date(timeIntervalSince1970: $0) },
                role: PairingRole(rawValue: row["role"] ?? "") ?? .till)
    }

    private func read<T>(_ body: (Database) throws -> T) throws(PairingError) -> T {
        do { return try queue.read(body) } catch {
            throw PairingError.storage(path: fileURL.path, reason: PrivateSQLiteFile.reason(error))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(PairingError) -> T {
        do { return try queue.write(body) } catch {
            throw PairingError.storage(path: fileURL.path, reason: PrivateSQLiteFile.reason(error))
        }
    }
}
