import Foundation
import PostgresNIO
import XCTest
@testable import WelkomChain
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// The desk in chain mode: a store's login writes consents only through welkom.store_enrol and
/// welkom.store_withdraw (schema 2), which check their input and stamp the calling store.
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

    func testSchemaOneMigratesToTwo() async throws {
        try await admin.query("DROP FUNCTION welkom.store_enrol, welkom.store_withdraw", "t")
        try await admin.query("ALTER TABLE welkom.consent_receipt DROP COLUMN store", "t")
        try await admin.query("DELETE FROM welkom.schema_migration WHERE version = 2", "t")
        let applied = try await ChainSchema.migrate(admin, key: key)
        XCTAssertEqual(applied, [2])
        try await ChainSchema.check(admin, key: key)
    }
}
