import Foundation
import WelkomCore
import XCTest
@testable import WelkomRegistry

/// The v2 columns: EID key/exponent/epoch, IRK, static identifiers, tags (issue 3).
final class IdentifierSchemesRegistryTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let eidKey = Block128(hex: "5e1d0b0a0908070605040302010099aa")!
    let irk = Block128(hex: "ec0234a357c8ad05341010a60a397d9b")!
    let beacon = StaticIdentifier.iBeacon(uuid: Block128(hex: "e2c56db5dffb48d2b060d0f5a71096e0")!, major: 7, minor: 9)

    func registry(_ dir: URL) throws -> ConsentRegistry { try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: now)) }

    func rosa(customer: String = "rosa-1") -> Enrolment {
        Enrolment(customer: customer, scopes: [.greeting, .offers, .notes], name: "Rosa", note: "prefers no Air Miles question",
                  eid: EIDRegistration(identityKey: eidKey, exponent: 10, epoch: 1_690_000_000), irk: irk,
                  staticIdentifiers: [beacon, .address(0xC0FF_EE00_0001)], tags: ["coffee", "family"])
    }

    func testEveryIdentifierRoundTripsToTheRecogniser() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(rosa())
        let keys = try reg.activeKeys(at: now)
        XCTAssertEqual(keys, [ConsentKeys(customer: "rosa-1", eid: EIDRegistration(identityKey: eidKey, exponent: 10, epoch: 1_690_000_000),
                                          irk: irk, staticIdentifiers: [.address(0xC0FF_EE00_0001), beacon])])
        let profile = try XCTUnwrap(try reg.profiles()["rosa-1"])
        XCTAssertEqual(profile.note, "prefers no Air Miles question")
        XCTAssertEqual(profile.tags, ["coffee", "family"])
        let summary = try XCTUnwrap(try reg.consents().first)
        XCTAssertTrue(summary.hasEID)
        XCTAssertTrue(summary.hasIRK)
        XCTAssertEqual(summary.staticKinds.sorted(), ["address", "ibeacon"])
        XCTAssertEqual(summary.tags, ["coffee", "family"])
    }

    func testAnIRKEIDKeyOrStaticIdentifierBelongsToOneCustomer() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(rosa())
        var other = Enrolment(customer: "sam", scopes: [.greeting], irk: irk)
        XCTAssertThrowsError(try reg.enroll(other)) {
            XCTAssertEqual($0 as? RegistryError, .identifierEnrolledForAnotherCustomer(customer: "sam", what: "IRK"))
        }
        other = Enrolment(customer: "sam", scopes: [.greeting], eid: EIDRegistration(identityKey: eidKey, exponent: 3, epoch: 0))
        XCTAssertThrowsError(try reg.enroll(other)) {
            XCTAssertEqual($0 as? RegistryError, .identifierEnrolledForAnotherCustomer(customer: "sam", what: "EID key"))
        }
        other = Enrolment(customer: "sam", scopes: [.greeting], staticIdentifiers: [beacon])
        XCTAssertThrowsError(try reg.enroll(other)) {
            XCTAssertEqual($0 as? RegistryError, .identifierEnrolledForAnotherCustomer(customer: "sam", what: "static identifier 1"))
        }
        // Re-enrolling the owner is fine and replaces the set.
        var again = rosa()
        again.staticIdentifiers = [beacon]
        try reg.enroll(again)
        XCTAssertEqual(try reg.activeKeys(at: now).first?.staticIdentifiers, [beacon])
    }

    func testBadValuesAreRefusedNamingTheCustomer() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        XCTAssertThrowsError(try reg.enroll(Enrolment(customer: "x", scopes: [.greeting],
                                                      eid: EIDRegistration(identityKey: eidKey, exponent: 16, epoch: 0)))) {
            XCTAssertEqual($0 as? RegistryError, .eidExponentOutOfRange(customer: "x", exponent: 16))
        }
        XCTAssertThrowsError(try reg.enroll(Enrolment(customer: "x", scopes: [.greeting], irk: irk, tags: ["a,b"]))) {
            XCTAssertEqual($0 as? RegistryError, .invalidTag(customer: "x", tag: 1))
        }
        XCTAssertNoThrow(try reg.enroll(Enrolment(customer: "y", scopes: [.greeting], staticIdentifiers: [beacon])),
                         "a static identifier alone is something to recognise by")
    }

    func testWithdrawalDeletesEveryKindOfKeyMaterial() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(rosa())
        try reg.enroll(Enrolment(customer: "bert-7", scopes: [.greeting], cards: ["1111"]))
        let before = databaseFileBytes(reg.fileURL)
        XCTAssertNotNil(anyFile(before, contains: irk.bytes))
        XCTAssertNotNil(anyFile(before, contains: eidKey.bytes))
        XCTAssertNotNil(anyFile(before, contains: Array(beacon.canonical.utf8)))
        XCTAssertTrue(try reg.withdraw(customer: "rosa-1"))
        let after = databaseFileBytes(reg.fileURL)
        XCTAssertNil(anyFile(after, contains: irk.bytes))
        XCTAssertNil(anyFile(after, contains: eidKey.bytes))
        XCTAssertNil(anyFile(after, contains: Array(beacon.canonical.utf8)))
        XCTAssertNil(anyFile(after, contains: Array("c0ffee000001".utf8)))
        XCTAssertNil(anyFile(after, contains: Array("prefers no Air Miles".utf8)))
        XCTAssertEqual(try reg.activeKeys(at: now).map(\.customer), ["bert-7"])
        // The IRK is free for someone else now.
        XCTAssertNoThrow(try reg.enroll(Enrolment(customer: "sam", scopes: [.greeting], irk: irk)))
    }
}
