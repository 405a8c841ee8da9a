import Foundation
import Logging
import PostgresNIO
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// A store's desk writing to the chain's central registry (chain mode, docs/chain.md "The desk in
/// chain mode"). The store's login has no write on any consent table: it calls
/// `welkom.store_enrol` / `welkom.store_withdraw` (migration 2), which check what they are given,
/// record the calling store on the receipt and announce the change, so every store's ChainSync
/// (this one's included) follows it. The gateway seals the key material under the chain key
/// first; the database never sees a card number or key in clear.
///
/// One short connection per change: desk changes are a few a day per store, and a connection held
/// open for them would double each store's share of the chain's connection budget.
public struct ChainDesk: Sendable {
    let url: ChainURL
    let key: ChainKey
    let logger: Logger

    public init(url: ChainURL, key: ChainKey, logger: Logger = Logger(label: "welkom.chain.desk")) {
        self.url = url
        self.key = key
        self.logger = logger
    }

    /// Records a new customer's consent centrally; `receipt` is the one the desk gives (channel `till`).
    /// A card or key the chain already holds is refused as the local registry refuses it.
    public func enrol(_ e: Enrolment, receipt: ConsentReceipt) async throws {
        let sealed = try ChainKeyMaterial(e).sealed(with: key, customer: e.customer)
        let customerSealed = try key.seal(Array(e.customer.utf8), context: "change")
        let prints = ChainKeyMaterial.fingerprints(e, key: key)
        let fingerprints = prints.map { Hex.encode($0.fingerprint) }
        let whats = prints.map(\.what)
        let scopes = e.scopes.sorted().map(\.rawValue).joined(separator: ",")
        let expires = e.expires.map(LedgerTime.milliseconds)
        try await withDatabase { db in
            do {
                try await db.query("""
                    SELECT welkom.store_enrol(\(e.customer), \(scopes), \(e.name), \(e.language.rawValue), \(expires),
                        \(e.consentTextVersion), \(Data(sealed)), \(Data(customerSealed)), \(fingerprints), \(whats), \(receipt.json))
                    """, "enrol at the desk")
            } catch let ChainError.database(_, reason) where reason.contains("WK409") {
                throw RegistryError.cardEnrolledForAnotherCustomer(customer: e.customer, card: 1)
            }
        }
    }

    /// Withdraws `customer` centrally (as `consent withdraw --postgres`); false when the chain held
    /// nothing of them.
    public func withdraw(_ customer: CustomerID, receipt: ConsentReceipt) async throws -> Bool {
        let sealed = try key.seal(Array(customer.utf8), context: "change")
        return try await withDatabase { db in
            try await db.query("SELECT welkom.store_withdraw(\(customer), \(Data(sealed)), \(receipt.json))", "withdraw at the till")
                .first?.decode(Bool.self) ?? false
        }
    }

    /// Records a declined customer's "do not ask" for `card` (normalised) until `expires` centrally,
    /// so every store's sync marks it under its own pepper; `receipt` is the desk's (event
    /// `do_not_ask`, channel `till`). The database gets the card's keyed fingerprint and the card
    /// sealed under the chain key, never the number. A card the chain has enrolled is refused.
    public func doNotAsk(card: String, expires: Date, receipt: ConsentReceipt) async throws {
        let sealed = try key.seal(Array(card.utf8), context: ChainDoNotAsk.context)
        let fingerprint = Hex.encode(ChainDoNotAsk.fingerprint(card: card, key: key))
        try await withDatabase { db in
            do {
                try await db.query("""
                    SELECT welkom.store_do_not_ask(\(fingerprint), \(Data(sealed)), \(LedgerTime.milliseconds(expires)), \(receipt.json))
                    """, "do not ask at the desk")
            } catch let ChainError.database(_, reason) where reason.contains("WK409") {
                throw RegistryError.cardEnrolledForAnotherCustomer(customer: "do-not-ask", card: 1)
            }
        }
    }

    /// Removes the card's central "do not ask" (the customer took it back at a desk); false if none.
    public func removeDoNotAsk(card: String) async throws -> Bool {
        let fingerprint = Hex.encode(ChainDoNotAsk.fingerprint(card: card, key: key))
        return try await withDatabase { db in
            try await db.query("SELECT welkom.store_do_not_ask_remove(\(fingerprint))", "remove do not ask at the desk")
                .first?.decode(Bool.self) ?? false
        }
    }

    private func withDatabase<T: Sendable>(_ body: (ChainDatabase) async throws -> T) async throws -> T {
        let db = try await ChainDatabase.connect(url, logger: logger)
        do {
            try await ChainSchema.check(db, key: key)
            let value = try await body(db)
            await db.close()
            return value
        } catch {
            await db.close()
            throw error
        }
    }
}
