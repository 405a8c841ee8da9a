import Foundation
import PostgresNIO
import WelkomCore
import WelkomLedger

/// A central "do not ask" marker (schema 3, welkom.do_not_ask): how its card is keyed and sealed.
/// The fingerprint is the one welkom.identifier gives a card, so an enrolment of the card drops
/// the marker in the database itself.
enum ChainDoNotAsk {
    /// The seal's context for the card of a marker and of its change-log entries.
    static let context = "do-not-ask"

    static func fingerprint(card: String, key: ChainKey) -> [UInt8] {
        key.fingerprint(kind: "card", value: Array(card.utf8))
    }
}

/// A central marker as an access request shows it.
public struct ChainDoNotAskMarker: Sendable, Equatable {
    public var created: Date
    public var expires: Date
    public var store: String
    public var receipt: String
}

extension ChainRegistry {
    /// Deletes the card's marker (normalised number) and tells every store, which erase their own
    /// copy and its records' bodies as they read the change (`audit erase --postgres --card`);
    /// false if there was none.
    /// Needs the chain's administrator login: welkom.drop_do_not_ask is not granted to stores.
    public func eraseDoNotAsk(card: String) async throws -> Bool {
        let fingerprint = Data(ChainDoNotAsk.fingerprint(card: card, key: key))
        return try await db.transaction("erase do not ask") {
            try await db.query("LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE", "erase do not ask")
            return try await db.query("SELECT welkom.drop_do_not_ask(\(fingerprint), 'do_not_ask_erased')", "erase do not ask")
                .first?.decode(Bool.self) ?? false
        }
    }

    /// The card's central marker, expired or not (`audit dsar --postgres --card`); nil if none.
    public func doNotAsk(card: String) async throws -> ChainDoNotAskMarker? {
        let fingerprint = Data(ChainDoNotAsk.fingerprint(card: card, key: key))
        return try await db.query("""
            SELECT created_ms, expires_ms, store, receipt FROM welkom.do_not_ask WHERE fingerprint = \(fingerprint)
            """, "read do not ask").first.map {
            let (created, expires, store, receipt) = try $0.decode((Int64, Int64, String, String).self)
            return ChainDoNotAskMarker(created: LedgerTime.date(milliseconds: created), expires: LedgerTime.date(milliseconds: expires),
                                       store: store, receipt: receipt)
        }
    }
}
