import XCTest
import WelkomCore
import WelkomLedger
import WelkomRegistry
@testable import WelkomAgent

/// A consent change and its ledger entry go together: a failing ledger never leaves a consent
/// live without its entry, nor a withdrawal half done for good.
final class ConsentChangesTests: XCTestCase {
    var dir: URL!
    let anna = Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .nl,
                         beaconKey: Block128(hex: "00112233445566778899aabbccddeeff")!)

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-consent-\(UUID().uuidString)")
        _ = try Ledger(dataDirectory: dir)  // exists, so a read-only open finds it
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func changes(readOnlyLedger: Bool = false) throws -> ConsentChanges {
        ConsentChanges(registry: try ConsentRegistry(dataDirectory: dir),
                       ledger: try Ledger(dataDirectory: dir, readOnly: readOnlyLedger))
    }

    func testEnrolmentIsRecordedInTheLedger() throws {
        try changes().enroll(anna)
        let entries = try Ledger(dataDirectory: dir).entries()
        XCTAssertEqual(entries.map(\.kind), [.consentGiven])
        XCTAssertEqual(entries.first?.customer, "anna")
        XCTAssertEqual(try ConsentRegistry(dataDirectory: dir).consents().map(\.customer), ["anna"])
    }

    /// The consent record carries a receipt: channel, consent text version and the SHA-256 of that
    /// text as kept in DATA/consent-texts, scopes, expiry.
    func testEnrolmentRecordsAConsentReceiptWithTheTextsHash() throws {
        let texts = dir.appendingPathComponent("consent-texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        try Data("Ik geef toestemming om mij te herkennen.\n".utf8).write(to: texts.appendingPathComponent("2026-11.txt"))
        var e = anna
        e.consentTextVersion = "2026-11"
        e.expires = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        try changes().enroll(e, channel: "import")
        let stored = try Ledger(dataDirectory: dir).stored(LedgerQuery(kinds: [.consentGiven]))
        let receipt = try XCTUnwrap(stored.first?.receipt.flatMap(ConsentReceipt.parse))
        XCTAssertEqual(receipt.collectionMethod, "import")
        XCTAssertEqual(receipt.consentTextVersion, "2026-11")
        // sha256 of the file's bytes, computed outside Swift (printf '...' | sha256sum)
        XCTAssertEqual(receipt.consentTextSHA256, "5e4a6f54c65f0b275057b258dfd32bd5ca2b82f15d98a5f784dfd0b138c7cc93")
        XCTAssertEqual(receipt.expires, "2100-01-01T00:00:00.000Z")
        XCTAssertEqual(receipt.version, "KI-CR-v1.1.0")
        XCTAssertFalse(stored.first?.receipt?.contains("anna") ?? true, "the receipt names nobody")
    }

    func testEnrolmentTheLedgerCannotRecordIsUndone() throws {
        XCTAssertThrowsError(try changes(readOnlyLedger: true).enroll(anna)) { error in
            XCTAssertTrue("\(error)".contains("nothing was enrolled"), "\(error)")
        }
        XCTAssertEqual(try ConsentRegistry(dataDirectory: dir).consents(), [])
        XCTAssertEqual(try ConsentRegistry(dataDirectory: dir).activeKeys(at: Date()), [])
    }

    func testAWithdrawalInterruptedByTheLedgerIsFinishedByRunningItAgain() throws {
        try changes().enroll(anna)
        XCTAssertThrowsError(try changes(readOnlyLedger: true).withdraw("anna")) { error in
            XCTAssertTrue("\(error)".contains("run the withdrawal again"), "\(error)")
        }
        // The key material is gone at once; the ledger still names her.
        XCTAssertEqual(try ConsentRegistry(dataDirectory: dir).activeKeys(at: Date()), [])
        XCTAssertEqual(try Ledger(dataDirectory: dir).entries().first?.customer, "anna")

        XCTAssertEqual(try changes().withdraw("anna"), 1)
        let entries = try Ledger(dataDirectory: dir).entries()
        XCTAssertEqual(entries.map(\.kind), [.consentGiven, .consentWithdrawn])
        XCTAssertTrue(entries.allSatisfy { $0.customer == nil })
        guard case .intact(2, _, _) = try Ledger(dataDirectory: dir).verify() else { return XCTFail("not intact") }
        // The withdrawal's receipt ends the consent's receipt, without naming her.
        let stored = try Ledger(dataDirectory: dir).stored(LedgerQuery())
        let given = try XCTUnwrap(stored[0].receipt.flatMap(ConsentReceipt.parse))
        let withdrawn = try XCTUnwrap(stored[1].receipt.flatMap(ConsentReceipt.parse))
        XCTAssertEqual(given.event, .given)
        XCTAssertEqual(given.scopes, ["greeting", "name"])
        XCTAssertEqual(given.identifierKinds, ["wlk1"])
        XCTAssertEqual(withdrawn.event, .withdrawn)
        XCTAssertEqual(withdrawn.endsReceipts, [given.consentReceiptID])

        // Done now: a third run finds nothing and records nothing.
        XCTAssertNil(try changes().withdraw("anna"))
        XCTAssertEqual(try Ledger(dataDirectory: dir).count(), 2)
    }
}
