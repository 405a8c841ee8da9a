import Foundation
import GRDB
import WelkomCore
import WelkomIdentifiers
import WelkomStorage

/// "Do not ask" markers (DoNotAskMarker): stored under the card's pseudonym, found by it when the
/// card is scanned, listed for an access request and deleted on erasure. An expired marker is
/// as good as none and is deleted when next looked at.
extension ConsentRegistry {
    /// Marks the card (normalised number) until `expires`; a card already marked keeps its marker
    /// and gets the new expiry. Returns the marker.
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func markDoNotAsk(card: String, until expires: Date) throws -> DoNotAskMarker {
        guard Self.isNormalised(card) else { throw RegistryError.cardNotNormalised(customer: "do-not-ask", card: 1) }
        let pseudonym = Data(pseudonym(forCard: card))
        let now = clock.now()
        do {
            return try pool.write { db in
                let existing = try Row.fetchOne(db, sql: "SELECT marker, created_ms FROM do_not_ask WHERE pseudonym = ?",
                                                arguments: [pseudonym])
                let marker: String = existing?["marker"] ?? DoNotAskMarker.newMarker()
                let created: Int64 = existing?["created_ms"] ?? RegistryTime.milliseconds(now)
                try db.execute(sql: """
                    INSERT OR REPLACE INTO do_not_ask (pseudonym, marker, created_ms, expires_ms) VALUES (?, ?, ?, ?)
                    """, arguments: [pseudonym, marker, created, RegistryTime.milliseconds(expires)])
                return DoNotAskMarker(marker: marker, created: RegistryTime.date(created), expires: expires)
            }
        } catch {
            throw RegistryError.storage(path: path, operation: "mark do-not-ask", reason: PrivateSQLiteFile.reason(error))
        }
    }

    /// The card's marker when it has one that has not expired at `at`.
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func doNotAsk(card: String, at: Date) throws -> DoNotAskMarker? {
        guard Self.isNormalised(card) else { return nil }
        let pseudonym = Data(pseudonym(forCard: card))
        let row = try read("read do-not-ask") { db in
            try Row.fetchOne(db, sql: "SELECT marker, created_ms, expires_ms FROM do_not_ask WHERE pseudonym = ?",
                             arguments: [pseudonym])
        }
        guard let row else { return nil }
        let marker = Self.marker(row)
        guard marker.expires > at else {
            _ = try removeDoNotAsk(marker: marker.marker)
            return nil
        }
        return marker
    }

    /// The marker named `marker` (an access request by the marker the receipt gave), expired or not.
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func doNotAsk(marker: String) throws -> DoNotAskMarker? {
        try read("read do-not-ask") { db in
            try Row.fetchOne(db, sql: "SELECT marker, created_ms, expires_ms FROM do_not_ask WHERE marker = ?",
                             arguments: [marker]).map(Self.marker)
        }
    }

    /// Deletes a marker (erasure, expiry, or the card's holder enrolled after all); false if none.
    @discardableResult
    @available(*, noasync, message: "blocks the thread on SQLite; use the async twin")
    public func removeDoNotAsk(marker: String) throws -> Bool {
        let deleted: Bool
        do {
            deleted = try pool.write { db in
                try db.execute(sql: "DELETE FROM do_not_ask WHERE marker = ?", arguments: [marker])
                return db.changesCount > 0
            }
        } catch {
            throw RegistryError.storage(path: path, operation: "remove do-not-ask", reason: PrivateSQLiteFile.reason(error))
        }
        if deleted { try truncateLog() }
        return deleted
    }

    // MARK: By pseudonym (the audit commands, which open the registry read-only)

    /// The pseudonym of a normalised card number under this data directory's pepper, read from
    /// DATA/card-pepper.key without writing anything (`audit dsar --card` on a read-only copy).
    public static func cardPseudonym(_ card: String, dataDirectory: URL) throws -> [UInt8] {
        let pepper = try CardPepper.load(at: dataDirectory.appendingPathComponent(CardPepper.fileName).path)
        return CardPseudonym.compute(pepper: pepper, normalised: card)
    }

    /// The marker stored under `pseudonym`, expired or not (an access request shows it either way).
    @available(*, noasync, message: "blocks the thread on SQLite")
    public func doNotAsk(pseudonym: [UInt8]) throws -> DoNotAskMarker? {
        try read("read do-not-ask") { db in
            try Row.fetchOne(db, sql: "SELECT marker, created_ms, expires_ms FROM do_not_ask WHERE pseudonym = ?",
                             arguments: [Data(pseudonym)]).map(Self.marker)
        }
    }

    /// The customer whose consent holds the card with `pseudonym`.
    @available(*, noasync, message: "blocks the thread on SQLite")
    public func customer(cardPseudonym pseudonym: [UInt8]) throws -> CustomerID? {
        try read("read cards") { db in
            try String.fetchOne(db, sql: "SELECT customer FROM card WHERE pseudonym = ?", arguments: [Data(pseudonym)])
        }
    }

    private static func marker(_ row: Row) -> DoNotAskMarker {
        DoNotAskMarker(marker: row["marker"], created: RegistryTime.date(row["created_ms"]),
                       expires: RegistryTime.date(row["expires_ms"]))
    }

    public func markDoNotAsk(card: String, until expires: Date) async throws -> DoNotAskMarker {
        try await BlockingIO.run { try self.markDoNotAsk(card: card, until: expires) }
    }

    public func doNotAsk(card: String, at: Date) async throws -> DoNotAskMarker? {
        try await BlockingIO.run { try self.doNotAsk(card: card, at: at) }
    }

    public func doNotAsk(marker: String) async throws -> DoNotAskMarker? {
        try await BlockingIO.run { try self.doNotAsk(marker: marker) }
    }

    public func doNotAsk(pseudonym: [UInt8]) async throws -> DoNotAskMarker? {
        try await BlockingIO.run { try self.doNotAsk(pseudonym: pseudonym) }
    }

    public func customer(cardPseudonym pseudonym: [UInt8]) async throws -> CustomerID? {
        try await BlockingIO.run { try self.customer(cardPseudonym: pseudonym) }
    }

    @discardableResult
    public func removeDoNotAsk(marker: String) async throws -> Bool {
        try await BlockingIO.run { try self.removeDoNotAsk(marker: marker) }
    }
}
