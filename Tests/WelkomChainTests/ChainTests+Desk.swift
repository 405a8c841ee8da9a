import Foundation
import PostgresNIO
import XCTest
@testable import WelkomChain
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// The desk in chain mode: a store's login writes consents only through welkom.store_enrol and
/// welkom.store_withdraw (schema 2), and "do not ask" only through welkom.store_do_not_ask and
/// welkom.store_do_not_ask_remove (schema 3), which check their input and stamp the calling store.
extension ChainTests {
    func deskEnrolment(_ customer: String, card: String) -> Enrolment {
        var e = enrolment(customer, beacon: 0xDE5C, card: card)
        e.consentTextVersion = "2026-01-nl"
        return e
    }

    func tillReceipt(_ event: ConsentReceipt.Event, method: String = "till") -> ConsentReceipt {
        ConsentReceipt(event: event, time: Date(), collectionMethod: method, scopes: [.greeting], collectedBy: "pairing-1")
    }

    func receiptRows() async throws -> [(event: String, store: String?, customer: String?, receipt: String)] {
        try await admin.query("SELECT event, store, customer, receipt FROM welkom.consent_receipt ORDER BY id", "t")
            .map { try $0.decode((String, String?, String?, String).self) }
    }

    func testStoreDeskEnrolsAndWithdrawsOnlyThroughItsFunctions() async throws {
        let central = ChainRegistry(db: admin, key: key)
        try await central.enroll(enrolment("c-1", beacon: 1, card: "11112222"))
        let deskA = ChainDesk(url: try await ChainStores.add(admin, store: "a"), key: key)
        let deskB = ChainDesk(url: try await ChainStores.add(admin, store: "b"), key: key)

        let e = deskEnrolment("desk-0123456789abcdef", card: "33334444")
        try await deskA.enrol(e, receipt: tillReceipt(.given))
        let listed = try await central.consents()
        XCTAssertEqual(listed.map(\.customer), ["c-1", e.customer])
        XCTAssertEqual(listed.last?.hasBeaconKey, true)
        let given = try await receiptRows().last!
        XCTAssertEqual(given.event, "given")
        XCTAssertEqual(given.store, "a")
        XCTAssertEqual(given.customer, e.customer)
        // What the stores' sync reads: the change, sealed, opens to the new customer.
        let sealed = try await admin.query("SELECT customer_sealed FROM welkom.consent_change ORDER BY seq DESC LIMIT 1", "t")
            .first!.decode(Data.self)
        XCTAssertEqual(String(decoding: try key.open(Array(sealed), context: "change"), as: UTF8.self), e.customer)

        // Refused: a card the chain holds, another customer's ID, a receipt not from the till, a non-store login.
        do {
            try await deskB.enrol(deskEnrolment("desk-00000000000000ff", card: "11112222"), receipt: tillReceipt(.given))
            XCTFail("a card enrolled twice")
        } catch let error as RegistryError {
            XCTAssertEqual(error, .cardEnrolledForAnotherCustomer(customer: "desk-00000000000000ff", card: 1))
        }
        for (customer, receipt, expected) in [
            ("c-1", tillReceipt(.given), "desk- and 16 hex digits"),
            ("desk-00000000000000aa", tillReceipt(.given, method: "cli"), "consent given at the till"),
            ("desk-00000000000000aa", tillReceipt(.withdrawn), "consent given at the till"),
        ] {
            do {
                try await deskB.enrol(deskEnrolment(customer, card: "55556666"), receipt: receipt)
                XCTFail("store_enrol accepted \(customer) with \(receipt.collectionMethod)")
            } catch let ChainError.database(_, reason) {
                XCTAssertTrue(reason.contains(expected), reason)
            }
        }
        do {
            try await ChainDesk(url: cluster.adminURL, key: key).enrol(deskEnrolment("desk-00000000000000bb", card: "77778888"),
                                                                        receipt: tillReceipt(.given))
            XCTFail("the owner's login enrolled as a store")
        } catch let ChainError.database(_, reason) {
            XCTAssertTrue(reason.contains("42501"), reason)
        }
        let after = try await central.consents().map(\.customer)
        XCTAssertEqual(after, ["c-1", e.customer], "a refused call wrote something")

        // Withdrawn by another store: gone centrally, announced, the receipt ended and stamped with b.
        let before = try await admin.query("SELECT max(seq) FROM welkom.consent_change", "t").first!.decode(Int64.self)
        let withdrawn = try await deskB.withdraw(e.customer, receipt: tillReceipt(.withdrawn))
        XCTAssertTrue(withdrawn)
        let remaining = try await central.consents().map(\.customer)
        XCTAssertEqual(remaining, ["c-1"])
        let change = try await admin.query("SELECT kind FROM welkom.consent_change WHERE seq > \(before)", "t")
            .map { try $0.decode(String.self) }
        XCTAssertEqual(change, ["withdrawn"])
        let rows = try await receiptRows()
        XCTAssertNil(rows.first { $0.event == "given" && $0.store == "a" }?.customer, "the ended receipt still names the customer")
        let withdrawal = rows.last!
        XCTAssertEqual(withdrawal.event, "withdrawn")
        XCTAssertEqual(withdrawal.store, "b")
        XCTAssertNil(withdrawal.customer)
        let json = try JSONSerialization.jsonObject(with: Data(withdrawal.receipt.utf8)) as! [String: Any]
        XCTAssertEqual(json["collection_method"] as? String, "till")
        XCTAssertEqual((json["ends_receipts"] as? [String])?.count, 1)
        let again = try await deskB.withdraw(e.customer, receipt: tillReceipt(.withdrawn))
        XCTAssertFalse(again, "nothing left to withdraw")
        // A withdrawal receipt from anywhere but the till is refused.
        do {
            _ = try await deskA.withdraw("c-1", receipt: tillReceipt(.withdrawn, method: "cli"))
            XCTFail("store_withdraw accepted a receipt not from the till")
        } catch let ChainError.database(_, reason) {
            XCTAssertTrue(reason.contains("withdrawal at the till"), reason)
        }
    }

    func doNotAskRow() async throws -> (fingerprint: Data, sealed: Data, store: String, expires: Int64, receipt: String)? {
        try await admin.query("SELECT fingerprint, card_sealed, store, expires_ms, receipt FROM welkom.do_not_ask", "t")
            .first?.decode((Data, Data, String, Int64, String).self)
    }

    func changeKinds(after seq: Int64) async throws -> [String] {
        try await admin.query("SELECT kind FROM welkom.consent_change WHERE seq > \(seq) ORDER BY seq", "t").map { try $0.decode(String.self) }
    }

    func headSeq() async throws -> Int64 {
        try await admin.query("SELECT COALESCE(max(seq), 0) FROM welkom.consent_change", "t").first!.decode(Int64.self)
    }

    /// "Do not ask" from a desk (schema 3): only through welkom.store_do_not_ask, which checks its
    /// input and stamps the store; the row holds no card in clear; a desk or an enrolment of the
    /// card removes it chain-wide; the owner erases it by card.
    func testStoreDeskRecordsDoNotAskOnlyThroughItsFunctions() async throws {
        let central = ChainRegistry(db: admin, key: key)
        let urlA = try await ChainStores.add(admin, store: "a")
        let deskA = ChainDesk(url: urlA, key: key)
        let deskB = ChainDesk(url: try await ChainStores.add(admin, store: "b"), key: key)
        let card = "44445555"
        let expires = Date().addingTimeInterval(365 * 86_400)
        var before = try await headSeq()
        try await deskA.doNotAsk(card: card, expires: expires, receipt: tillReceipt(.doNotAsk))
        let row = try await doNotAskRow()
        XCTAssertEqual(row?.store, "a")
        XCTAssertEqual(row?.expires, LedgerTime.milliseconds(expires))
        XCTAssertNil(Array(row!.sealed).firstRange(of: Array(card.utf8)), "the card is readable in clear")
        XCTAssertNil(Array(row!.fingerprint).firstRange(of: Array(card.utf8)))
        XCTAssertFalse(row!.receipt.contains(card))
        let dump = try await admin.query("""
            SELECT count(*) FROM welkom.do_not_ask WHERE position(\(Data(card.utf8)) IN card_sealed || fingerprint || convert_to(receipt, 'UTF8')) > 0
            """, "t").first!.decode(Int.self)
        XCTAssertEqual(dump, 0)
        // What every store's sync reads: a change whose sealed card opens with the chain key.
        let kinds = try await changeKinds(after: before)
        XCTAssertEqual(kinds, ["do_not_ask"])
        let sealed = try await admin.query("SELECT customer_sealed FROM welkom.consent_change ORDER BY seq DESC LIMIT 1", "t")
            .first!.decode(Data.self)
        XCTAssertEqual(String(decoding: try key.open(Array(sealed), context: "do-not-ask"), as: UTF8.self), card)
        let found = try await central.doNotAsk(card: card)
        XCTAssertEqual(found?.store, "a")

        // Refused: a non-store login, malformed input, a receipt not a till's "do not ask", an enrolled card.
        do {
            try await ChainDesk(url: cluster.adminURL, key: key).doNotAsk(card: "12121212", expires: expires, receipt: tillReceipt(.doNotAsk))
            XCTFail("the owner's login recorded do-not-ask as a store")
        } catch let ChainError.database(_, reason) {
            XCTAssertTrue(reason.contains("42501"), reason)
        }
        let a = try await connect(urlA)
        let good = String(repeating: "ab", count: 32)
        let sealedCard = Data(try key.seal(Array("12121212".utf8), context: "do-not-ask"))
        let future = LedgerTime.milliseconds(expires)
        let receipt = try tillReceipt(.doNotAsk).json
        let given = try tillReceipt(.given).json
        let cli = try tillReceipt(.doNotAsk, method: "cli").json
        let bad: [(PostgresQuery, String)] = try [
            ("SELECT welkom.store_do_not_ask(\("12121212"), \(sealedCard), \(future), \(receipt))", "64 hex digits"),
            ("SELECT welkom.store_do_not_ask(\(good), \(Data("12121212".utf8)), \(future), \(receipt))", "sealed under the chain key"),
            ("SELECT welkom.store_do_not_ask(\(good), \(sealedCard), \(LedgerTime.milliseconds(Date()) - 1000), \(receipt))", "expires in the future"),
            ("SELECT welkom.store_do_not_ask(\(good), \(sealedCard), \(future + 3651 * 86_400_000), \(receipt))", "within 3650 days"),
            ("SELECT welkom.store_do_not_ask(\(good), \(sealedCard), \(future), \(given))", "at the till"),
            ("SELECT welkom.store_do_not_ask(\(good), \(sealedCard), \(future), \(cli))", "at the till"),
            ("SELECT welkom.store_do_not_ask_remove(\("zz"))", "64 hex digits"),
            ("SELECT welkom.drop_do_not_ask(\(Data(repeating: 0xAB, count: 32)), 'do_not_ask_erased')", "42501"),
            ("DELETE FROM welkom.do_not_ask", "42501"),
            ("UPDATE welkom.do_not_ask SET expires_ms = 0", "42501"),
        ]
        for (q, expected) in bad {
            do {
                try await a.query(q, "t")
                XCTFail("a store's login could run: \(q.sql)")
            } catch let ChainError.database(_, reason) {
                XCTAssertTrue(reason.contains(expected), "\(q.sql): \(reason)")
            }
        }
        try await central.enroll(enrolment("c-9", beacon: 9, card: "99998888"))
        do {
            try await deskB.doNotAsk(card: "99998888", expires: expires, receipt: tillReceipt(.doNotAsk))
            XCTFail("do-not-ask on an enrolled card")
        } catch is RegistryError {}
        let count = try await admin.query("SELECT count(*) FROM welkom.do_not_ask", "t").first!.decode(Int.self)
        XCTAssertEqual(count, 1, "a refused call wrote something")

        // Taken back at another store's desk: gone, announced.
        before = try await headSeq()
        let removed = try await deskB.removeDoNotAsk(card: card)
        XCTAssertTrue(removed)
        let removal = try await changeKinds(after: before)
        XCTAssertEqual(removal, ["do_not_ask_removed"])
        let none = try await doNotAskRow()
        XCTAssertNil(none)
        let removedAgain = try await deskB.removeDoNotAsk(card: card)
        XCTAssertFalse(removedAgain)

        // Enrolled after all (here centrally): the marker goes in the same transaction.
        try await deskA.doNotAsk(card: card, expires: expires, receipt: tillReceipt(.doNotAsk))
        before = try await headSeq()
        try await central.enroll(enrolment("c-10", beacon: 10, card: card))
        let enrolledKinds = try await changeKinds(after: before)
        XCTAssertEqual(Set(enrolledKinds), ["enrolled", "do_not_ask_removed"])
        let dropped = try await doNotAskRow()
        XCTAssertNil(dropped)

        // Erased by card by the chain's administrator (audit erase --postgres --card).
        try await deskA.doNotAsk(card: "66667777", expires: expires, receipt: tillReceipt(.doNotAsk))
        before = try await headSeq()
        let erased = try await central.eraseDoNotAsk(card: "66667777")
        XCTAssertTrue(erased)
        let erasure = try await changeKinds(after: before)
        XCTAssertEqual(erasure, ["do_not_ask_erased"])
        let gone = try await central.doNotAsk(card: "66667777")
        XCTAssertNil(gone)
        let erasedAgain = try await central.eraseDoNotAsk(card: "66667777")
        XCTAssertFalse(erasedAgain)
    }

    func testSchemaTwoMigratesToThree() async throws {
        try await admin.query("DROP TRIGGER identifier_drops_do_not_ask ON welkom.identifier", "t")
        try await admin.query("DROP FUNCTION welkom.enrolled_drops_do_not_ask, welkom.store_do_not_ask, welkom.store_do_not_ask_remove, welkom.drop_do_not_ask", "t")
        try await admin.query("DROP TABLE welkom.do_not_ask", "t")
        try await admin.query("DELETE FROM welkom.schema_migration WHERE version = 3", "t")
        do {
            try await ChainSchema.check(admin, key: key)
            XCTFail("a schema 2 database passed the check")
        } catch let ChainError.schema(reason) {
            XCTAssertTrue(reason.contains("older"), reason)
        }
        let applied = try await ChainSchema.migrate(admin, key: key)
        XCTAssertEqual(applied, [3])
        try await ChainSchema.check(admin, key: key)
    }

    func testSchemaOneMigratesToTwo() async throws {
        try await admin.query("DROP FUNCTION welkom.store_enrol, welkom.store_withdraw", "t")
        try await admin.query("ALTER TABLE welkom.consent_receipt DROP COLUMN store", "t")
        try await admin.query("DELETE FROM welkom.schema_migration WHERE version = 2", "t")
        let applied = try await ChainSchema.migrate(admin, key: key)
        XCTAssertEqual(applied, [2])
        try await ChainSchema.check(admin, key: key)
    }
}
