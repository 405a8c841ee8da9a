import Foundation
import PostgresNIO
import XCTest
@testable import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// Chain mode against a real PostgreSQL 15 cluster: schema and roles, the central registry, a
/// store's login, and a store's sync and ledger shipping into a real data directory.
final class ChainTests: ChainTestCase {
    func enrolment(_ customer: String, beacon: UInt64, card: String? = nil) -> Enrolment {
        Enrolment(customer: customer, scopes: [.greeting, .name], name: "Naam \(customer)",
                  beaconKey: Block128(hi: 0x5EC2E7, lo: beacon), cards: card.map { [$0] } ?? [])
    }

    func testInitIsIdempotentAndRefusesAnotherKey() async throws {
        let again = try await ChainSchema.migrate(admin, key: key)
        XCTAssertEqual(again, [], "a second init applies nothing")
        let other = ChainKey(bytes: [UInt8](repeating: 7, count: 32))
        do {
            try await ChainSchema.migrate(admin, key: other)
            XCTFail("another chain key was accepted")
        } catch ChainError.wrongKey {}
        try await ChainSchema.check(admin, key: key)
    }

    func testCentralEnrolmentListAndWithdrawal() async throws {
        let registry = ChainRegistry(db: admin, key: key)
        try await registry.enroll(enrolment("c-1", beacon: 1, card: "12345678"))
        let listed = try await registry.consents()
        XCTAssertEqual(listed.map(\.customer), ["c-1"])
        XCTAssertEqual(listed.first?.hasBeaconKey, true)
        XCTAssertEqual(listed.first?.cardCount, 1)
        // The same beacon key (or card) for another customer is refused, as the local registry refuses it.
        do {
            try await registry.enroll(enrolment("c-2", beacon: 1))
            XCTFail("a beacon key enrolled twice")
        } catch let e as RegistryError {
            XCTAssertEqual(e, .beaconKeyEnrolledForAnotherCustomer(customer: "c-2"))
        }
        do {
            try await registry.enroll(enrolment("c-2", beacon: 2, card: "12345678"))
            XCTFail("a card enrolled twice")
        } catch let e as RegistryError {
            XCTAssertEqual(e, .cardEnrolledForAnotherCustomer(customer: "c-2", card: 1))
        }
        // All or none: a batch with one refused enrolment writes nothing.
        do {
            try await registry.enroll(all: [enrolment("c-3", beacon: 3), enrolment("c-4", beacon: 1)])
            XCTFail("a refused batch was accepted")
        } catch is RegistryError {}
        let v1 = try await registry.consents().map(\.customer)
        XCTAssertEqual(v1, ["c-1"])

        let withdrawn = try await registry.withdraw("c-1")
        XCTAssertEqual(withdrawn?.consentDeleted, true)
        let v2 = try await registry.consents().count
        XCTAssertEqual(v2, 0)
        let none = try await registry.withdraw("c-1")
        XCTAssertNil(none, "nothing left to withdraw")
        // The withdrawal receipt names nobody; the consent receipt no longer names the customer.
        let named = try await admin.query("SELECT count(*) FROM welkom.consent_receipt WHERE customer IS NOT NULL", "t")
            .first!.decode(Int.self)
        XCTAssertEqual(named, 0)
        // The freed key may be enrolled again, by someone else.
        try await registry.enroll(enrolment("c-2", beacon: 1))
    }

    func testStoreLoginIsLeastPrivileged() async throws {
        let registry = ChainRegistry(db: admin, key: key)
        let e = enrolment("c-1", beacon: 0xABCDEF, card: "987654321")
        try await registry.enroll(e)
        let urlA = try await ChainStores.add(admin, store: "a")
        let urlB = try await ChainStores.add(admin, store: "b")
        XCTAssertEqual(urlA.user, "welkom_store_a")
        let a = try await connect(urlA)
        let b = try await connect(urlB)

        // It may read consents — but the key material only sealed.
        let sealed = try await a.query("SELECT key_material FROM welkom.consent", "t").first!.decode(Data.self)
        XCTAssertNil(Array(sealed).firstRange(of: e.beaconKey!.bytes), "the beacon key is readable in clear")
        XCTAssertNil(Array(sealed).firstRange(of: Array("987654321".utf8)), "the card number is readable in clear")
        for bytes in [e.beaconKey!.bytes, Array("987654321".utf8), Array(e.beaconKey!.hex.utf8)] {
            let dump = try await admin.query("""
                SELECT count(*) FROM welkom.consent WHERE position(\(Data(bytes)) IN key_material) > 0
                """, "t").first!.decode(Int.self)
            XCTAssertEqual(dump, 0)
        }

        // It may not change a consent, read fingerprints or other stores, or write the change log.
        let forbidden: [PostgresQuery] = [
            "UPDATE welkom.consent SET scopes = 'greeting,name,offers'",
            "DELETE FROM welkom.consent",
            "INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES ('withdrawn', '\\x00')",
            "SELECT * FROM welkom.identifier",
            "SELECT * FROM welkom.store",
            "SELECT * FROM welkom.consent_receipt",
            "UPDATE welkom.ledger_entry SET detail = 'x'",
        ]
        for q in forbidden {
            do {
                try await a.query(q, "t")
                XCTFail("a store's login could run: \(q.sql)")
            } catch let ChainError.database(_, reason) {
                XCTAssertTrue(reason.contains("42501"), "\(q.sql): \(reason)")
            }
        }

        // Its own ledger: appended; another store's: neither readable nor writable.
        let entry = LedgerStoredEntry.sample(seq: 1)
        let shipped = try await ChainLedger.ship([entry], a)
        XCTAssertEqual(shipped, 1)
        let again = try await ChainLedger.ship([entry], a)
        XCTAssertEqual(again, 0, "a resend duplicates")
        let v3 = try await b.query("SELECT count(*) FROM welkom.ledger_entry", "t").first!.decode(Int.self)
        XCTAssertEqual(v3, 0)
        do {
            try await b.query("""
                INSERT INTO welkom.ledger_entry (store, seq, time_ms, kind, leaf_hash, record) VALUES ('a', 2, 0, 'x', '\\x00', 'kept')
                """, "t")
            XCTFail("store b wrote into store a's ledger")
        } catch let ChainError.database(_, reason) {
            XCTAssertTrue(reason.contains("42501") || reason.contains("row-level security"), reason)
        }
        let v4 = try await admin.query("SELECT count(*) FROM welkom.ledger_entry", "t").first!.decode(Int.self)
        XCTAssertEqual(v4, 1)
    }
}

extension LedgerStoredEntry {
    /// An entry as a store's ledger would give it, for shipping tests that need no data directory.
    static func sample(seq: Int64) -> LedgerStoredEntry {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-sample-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = try! Ledger(dataDirectory: dir)
        for i in 1...seq { _ = try! ledger.append(LedgerDraft(time: Date(), kind: .recognition, detail: "sample \(i)")) }
        return try! ledger.stored(LedgerQuery(after: seq - 1, limit: 1)).first!
    }
}
