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
        XCTAssertEqual(try Ledger(dataDirectory: dir).verify(), .intact(entries: 2, head: entries.last!.hash))

        // Done now: a third run finds nothing and records nothing.
        XCTAssertNil(try changes().withdraw("anna"))
        XCTAssertEqual(try Ledger(dataDirectory: dir).count(), 2)
    }
}
