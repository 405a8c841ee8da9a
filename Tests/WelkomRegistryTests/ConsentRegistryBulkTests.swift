import Foundation
import WelkomCore
@testable import WelkomRegistry
import XCTest

/// `load(_:)`, a chain store's initial load: plain inserts where the registry holds nobody of the
/// batch yet, `enroll(all:)` where it does — either way the registry ends as `enroll(all:)` leaves it.
final class ConsentRegistryBulkTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_975_200)

    private func registry() throws -> ConsentRegistry {
        try ConsentRegistry(dataDirectory: try makeTemporaryDirectory(self), clock: FixedClock(date: now))
    }

    /// Every kind of key material, optional fields present and absent.
    private func batch() -> [Enrolment] {
        (0..<40).map(enrolment)
    }

    private func enrolment(_ i: Int) -> Enrolment {
        var e = Enrolment(customer: "c-\(39 - i)", scopes: i % 3 == 0 ? [.greeting] : [.greeting, .name])
        e.name = i % 2 == 0 ? "Klant \(i)" : nil
        e.language = i % 4 == 0 ? .en : .nl
        e.beaconKey = i % 5 == 4 ? nil : Block128(hi: 0xB0 + UInt64(i), lo: UInt64(i))
        e.cards = i % 3 == 1 ? ["4000\(1000 + i)", "uid:0a0b0c" + String(format: "%02x", i)] : []
        e.expires = i % 6 == 0 ? now.addingTimeInterval(86_400) : nil
        e.consentTextVersion = i % 2 == 1 ? "v\(i)" : nil
        e.note = i % 7 == 0 ? "note \(i)" : nil
        if i % 4 == 2 {
            e.eid = EIDRegistration(identityKey: Block128(hi: 0xE1D, lo: UInt64(i)), exponent: UInt8(i % 16), epoch: Int64(i) * 1000)
        }
        e.irk = i % 5 == 3 ? Block128(hi: 0x14C, lo: UInt64(i)) : nil
        if i % 5 == 4 {
            let uuid = Block128(hi: 0x1B, lo: UInt64(i)).hex
            e.staticIdentifiers = [StaticIdentifier(canonical: "ibeacon:\(uuid):1:\(i)")!]
        }
        e.tags = i % 3 == 2 ? ["coffee", "family"] : []
        return e
    }

    /// Everything the registry holds, its card pseudonyms (each registry has its own pepper) as the
    /// cards they stand for.
    private func state(_ r: ConsentRegistry) throws -> (summaries: [ConsentSummary], keys: [ConsentKeys]) {
        var cardOf: [[UInt8]: String] = [:]
        for e in batch() { for c in e.cards { cardOf[r.pseudonym(forCard: c)] = c } }
        let keys = try r.activeKeys(at: now).map { k -> ConsentKeys in
            var k = k
            k.cardPseudonyms = k.cardPseudonyms.map { Array((cardOf[$0] ?? "unknown").utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            return k
        }
        return (try r.consents(), keys)
    }

    private func assertSameState(_ a: ConsentRegistry, _ b: ConsentRegistry, file: StaticString = #filePath, line: UInt = #line) throws {
        let (sa, ka) = try state(a), (sb, kb) = try state(b)
        XCTAssertEqual(sa, sb, file: file, line: line)
        XCTAssertEqual(ka, kb, file: file, line: line)
        XCTAssertEqual(ka.count, 40, file: file, line: line)
    }

    func testALoadIntoAnEmptyRegistryEqualsAnImport() throws {
        let imported = try registry(), loaded = try registry()
        try imported.enroll(all: batch())
        let before = try loaded.changeCounter()
        try loaded.load(Array(batch()[0..<25]))
        try loaded.load(Array(batch()[25...]))
        try loaded.endLoad()
        try assertSameState(loaded, imported)
        XCTAssertGreaterThan(try loaded.changeCounter(), before, "the running agent must see the change")
    }

    /// Loading again what is there (a load cut short and started over) replaces, as an import does:
    /// a customer's old card does not stay beside the new one.
    func testALoadOverExistingConsentsReplacesThem() throws {
        let r = try registry()
        try r.enroll(Enrolment(customer: "c-1", scopes: [.greeting], cards: ["96385074"]))
        try r.load(batch())
        let imported = try registry()
        try imported.enroll(all: batch())
        try assertSameState(r, imported)
        XCTAssertNil(try r.activeKeys(at: now).first { $0.cardPseudonyms.contains(r.pseudonym(forCard: "96385074")) },
                     "the replaced card still recognises")
    }

    /// A key someone else holds refuses the whole batch, named as an import names it; nothing is written.
    func testALoadWithAKeyOfAnotherIsRefusedWhole() throws {
        let r = try registry()
        try r.enroll(Enrolment(customer: "owner", scopes: [.greeting], beaconKey: Block128(hi: 0xB0 + 7, lo: 7)))
        let counter = try r.changeCounter()
        XCTAssertThrowsError(try r.load(batch())) { error in
            XCTAssertEqual(error as? RegistryError, .beaconKeyEnrolledForAnotherCustomer(customer: "c-32"))
        }
        XCTAssertEqual(try r.consents().map(\.customer), ["owner"])
        XCTAssertEqual(try r.changeCounter(), counter)
    }

    func testALoadChecksEachConsentAsAnImportDoes() throws {
        let r = try registry()
        XCTAssertThrowsError(try r.load([Enrolment(customer: "a", scopes: [.greeting], cards: ["12"])])) { error in
            XCTAssertEqual(error as? RegistryError, .cardNotNormalised(customer: "a", card: 1))
        }
        XCTAssertThrowsError(try r.load([Enrolment(customer: "a", scopes: [.greeting], beaconKey: Block128(hi: 1, lo: 1)),
                                         Enrolment(customer: "a", scopes: [.greeting], beaconKey: Block128(hi: 2, lo: 2))])) { error in
            XCTAssertEqual(error as? RegistryError, .duplicateCustomerInBatch(customer: "a", first: 1, second: 2))
        }
        XCTAssertEqual(try r.consents().count, 0)
    }
}
