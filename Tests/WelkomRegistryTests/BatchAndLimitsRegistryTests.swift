import Foundation
import WelkomCore
import WelkomRegistry
import XCTest

/// `consent import` writes its consents in one transaction (issue 12, finding 6), and the registry
/// itself refuses fields beyond `FieldLimits` whoever calls it (finding 7): defence in depth.
final class BatchAndLimitsRegistryTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_975_200)

    private func registry(_ dir: URL) throws -> ConsentRegistry {
        try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: now))
    }

    private func customer(_ id: String, card: String) -> Enrolment {
        Enrolment(customer: id, scopes: [.greeting], cards: [card])
    }

    func testABatchIsEnrolledWhole() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        let before = try reg.changeCounter()
        try reg.enroll(all: [customer("c1", card: "8712345678906"), customer("c2", card: "96385074"),
                             customer("c3", card: "123456789")])
        XCTAssertEqual(try reg.consents().map(\.customer), ["c1", "c2", "c3"])
        XCTAssertGreaterThan(try reg.changeCounter(), before)
    }

    /// The case: a card already enrolled for someone else on the second of three lines
    /// used to leave the first imported and the third never run. Now nothing is written.
    func testABatchWithOneRefusedEnrolmentWritesNothing() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(customer("owner", card: "96385074"))
        let counter = try reg.changeCounter()
        XCTAssertThrowsError(try reg.enroll(all: [customer("c1", card: "8712345678906"),
                                                  customer("c2", card: "96385074"),
                                                  customer("c3", card: "123456789")])) { error in
            XCTAssertEqual(error as? RegistryError, .cardEnrolledForAnotherCustomer(customer: "c2", card: 1))
        }
        XCTAssertEqual(try reg.consents().map(\.customer), ["owner"])
        XCTAssertEqual(try reg.changeCounter(), counter)
    }

    func testABatchNamingACustomerOrACardTwiceIsRefused() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        XCTAssertThrowsError(try reg.enroll(all: [customer("c1", card: "8712345678906"), customer("c2", card: "96385074"),
                                                  customer("c1", card: "123456789")])) { error in
            XCTAssertEqual(error as? RegistryError, .duplicateCustomerInBatch(customer: "c1", first: 1, second: 3))
        }
        XCTAssertThrowsError(try reg.enroll(all: [customer("c1", card: "8712345678906"),
                                                  customer("c2", card: "8712345678906")])) { error in
            XCTAssertEqual(error as? RegistryError, .duplicateCardInBatch(first: 1, second: 2))
        }
        XCTAssertEqual(try reg.consents(), [])
    }

    func testTheRegistryRefusesFieldsBeyondTheLimits() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        func refused(_ e: Enrolment, _ expected: RegistryError, line: UInt = #line) {
            XCTAssertThrowsError(try reg.enroll(e), line: line) { XCTAssertEqual($0 as? RegistryError, expected, line: line) }
            XCTAssertThrowsError(try reg.enroll(all: [e]), line: line)
        }
        var e = customer("c1", card: "8712345678906")
        e.customer = "c1\u{0}c2"
        refused(e, .invalidCustomerID(reason: "holds a control character at position 3 (IDs are printable text)"))
        e.customer = "c1\n\u{1B}[31m"
        refused(e, .invalidCustomerID(reason: "holds a control character at position 3 (IDs are printable text)"))
        e.customer = String(repeating: "x", count: FieldLimits.customerID + 1)
        refused(e, .invalidCustomerID(reason: "is 65 bytes long, at most 64 allowed"))
        e.customer = "c1"
        e.name = String(repeating: "n", count: FieldLimits.name + 1)
        refused(e, .fieldLimit(customer: "c1", field: "name", reason: "is 81 bytes long, at most 80 allowed"))
        e.name = "Anna"
        e.note = String(repeating: "n", count: 20_000_000)
        refused(e, .fieldLimit(customer: "c1", field: "note", reason: "is 20000000 bytes long, at most 500 allowed"))
        e.note = "line\u{85}break"
        refused(e, .fieldLimit(customer: "c1", field: "note", reason: "holds a control character at position 5"))
        e.note = nil
        e.tags = Set((0...FieldLimits.tagsPerCustomer).map { "t\($0)" })
        refused(e, .fieldLimit(customer: "c1", field: "tags", reason: "33 tags, at most 32 allowed"))
        e.tags = [String(repeating: "t", count: FieldLimits.tag + 1)]
        refused(e, .invalidTag(customer: "c1", tag: 1))
        e.tags = []
        // At the limits exactly: accepted.
        e.customer = String(repeating: "é", count: FieldLimits.customerID / 2)
        e.name = String(repeating: "n", count: FieldLimits.name)
        e.note = String(repeating: "n", count: FieldLimits.note)
        e.tags = [String(repeating: "t", count: FieldLimits.tag)]
        XCTAssertNoThrow(try reg.enroll(e))
        XCTAssertEqual(try reg.consents().count, 1)
    }
}
