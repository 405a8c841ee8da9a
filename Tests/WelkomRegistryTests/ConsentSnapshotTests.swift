import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry
import XCTest

/// The agent's read of the registry: the active consents' key material in one transaction, and
/// for a load into empty tables the WLK1 token keys derived while reading.
final class ConsentSnapshotTests: XCTestCase {
    /// 2026-11-29T18:00:00Z
    let now = Date(timeIntervalSince1970: 1_795_975_200)

    func testTokenKeysFollowTheBeaconKeysInOrderAndOnlyWhenAskedFor() throws {
        let reg = try ConsentRegistry(dataDirectory: try makeTemporaryDirectory(self), clock: FixedClock(date: now))
        var batch: [Enrolment] = []
        for i in 0..<50 {
            var e = Enrolment(customer: "c\(i)", scopes: [.greeting])
            if i % 4 == 3 { e.cards = ["87123456\(String(format: "%05d", i))"] } else { e.beaconKey = Block128(hi: 0xB0, lo: UInt64(i)) }
            if i % 5 == 0 { e.expires = now.addingTimeInterval(60) }
            batch.append(e)
        }
        try reg.enroll(all: batch)
        let plain = try reg.snapshot(at: now)
        XCTAssertNil(plain.wlk1TokenKeys)
        XCTAssertEqual(Set(plain.keys.map(\.customer)), Set(batch.map(\.customer)))
        let withKeys = try reg.snapshot(at: now, withTokenKeys: true)
        let beaconKeys = withKeys.keys.compactMap(\.beaconKey)
        XCTAssertEqual(beaconKeys.count, 50 - 12)
        XCTAssertEqual(withKeys.wlk1TokenKeys, beaconKeys.map { WLK1.tokenKey(beaconKey: $0) })
        // Expired consents are not read, and neither are their keys derived.
        let later = try reg.snapshot(at: now.addingTimeInterval(60), withTokenKeys: true)
        XCTAssertEqual(later.keys.count, 40)
        XCTAssertEqual(later.wlk1TokenKeys, later.keys.compactMap(\.beaconKey).map { WLK1.tokenKey(beaconKey: $0) })
        XCTAssertEqual(later.changeCounter, withKeys.changeCounter)
    }

    /// The agent reads a recognised customer's profile on its own (the snapshot carries none).
    func testProfileOfOneCustomer() throws {
        let reg = try ConsentRegistry(dataDirectory: try makeTemporaryDirectory(self), clock: FixedClock(date: now))
        try reg.enroll(Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .en,
                                 beaconKey: Block128(hi: 1, lo: 2)))
        XCTAssertEqual(try reg.profile(of: "anna")?.name, "Anna")
        XCTAssertEqual(try reg.profile(of: "anna")?.scopes, [.greeting, .name])
        XCTAssertNil(try reg.profile(of: "nobody"))
    }

    /// An enrolment applied to a running agent reads its one customer: the same keys the whole
    /// snapshot holds for them (cards, static identifiers, EID, IRK, expiry), and nil once the
    /// consent is withdrawn or expired.
    func testKeysOfOneCustomerAreTheSnapshotsKeysForThem() throws {
        let reg = try ConsentRegistry(dataDirectory: try makeTemporaryDirectory(self), clock: FixedClock(date: now))
        var batch: [Enrolment] = []
        for i in 0..<40 {
            var e = Enrolment(customer: "c\(i)", scopes: [.greeting], beaconKey: Block128(hi: 0xB0, lo: UInt64(i)))
            if i % 3 == 0 { e.cards = ["87123456\(String(format: "%05d", i))", "87123457\(String(format: "%05d", i))"] }
            if i % 4 == 0 { e.staticIdentifiers = [StaticIdentifier(canonical: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:\(i)")!] }
            if i % 5 == 0 { e.irk = Block128(hi: 0x1EC, lo: UInt64(i)) }
            if i % 7 == 0 { e.expires = now.addingTimeInterval(60) }
            batch.append(e)
        }
        try reg.enroll(all: batch)
        let snapshot = try reg.snapshot(at: now)
        XCTAssertEqual(snapshot.keys.count, 40)
        for keys in snapshot.keys {
            XCTAssertEqual(try reg.keys(of: keys.customer, at: now), keys, keys.customer)
        }
        XCTAssertNil(try reg.keys(of: "nobody", at: now))
        XCTAssertNil(try reg.keys(of: "c7", at: now.addingTimeInterval(60)), "expired")
        XCTAssertNotNil(try reg.keys(of: "c8", at: now.addingTimeInterval(60)))
        XCTAssertTrue(try reg.withdraw(customer: "c3"))
        XCTAssertNil(try reg.keys(of: "c3", at: now), "withdrawn")
    }
}
