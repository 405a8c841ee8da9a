import Foundation
import WelkomCore
import WelkomRegistry
import XCTest

/// "Do not ask" markers (issue 15, item 4): stored under the card's pseudonym only, found by the
/// card, expired on time, removed on request, and never the card number in any file.
final class DoNotAskRegistryTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_975_200)
    let card = "4006381333931"

    func testAMarkerIsFoundByItsCardAndExpires() throws {
        let dir = try makeTemporaryDirectory(self)
        let reg = try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: now))
        let marker = try reg.markDoNotAsk(card: card, until: now.addingTimeInterval(3600))
        XCTAssertTrue(marker.marker.hasPrefix("dna-"))
        XCTAssertEqual(try reg.doNotAsk(card: card, at: now)?.marker, marker.marker)
        XCTAssertNil(try reg.doNotAsk(card: "8712345678906", at: now))
        XCTAssertEqual(try reg.consents(), [], "a marker is no consent")

        // Marking again keeps the marker (its ledger name) and moves the expiry.
        let again = try reg.markDoNotAsk(card: card, until: now.addingTimeInterval(7200))
        XCTAssertEqual(again.marker, marker.marker)
        XCTAssertEqual(try reg.doNotAsk(marker: marker.marker)?.expires, now.addingTimeInterval(7200))

        // Expired: as good as none, and deleted when looked at.
        XCTAssertNil(try reg.doNotAsk(card: card, at: now.addingTimeInterval(7200)))
        XCTAssertNil(try reg.doNotAsk(marker: marker.marker))
    }

    func testOnlyThePseudonymIsStoredAndRemovalLeavesNoCopy() throws {
        let dir = try makeTemporaryDirectory(self)
        let reg = try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: now))
        let marker = try reg.markDoNotAsk(card: card, until: now.addingTimeInterval(3600))
        let db = dir.appendingPathComponent("registry.sqlite")
        XCTAssertNil(anyFile(databaseFileBytes(db), contains: Array(card.utf8)), "the card number is never stored")
        let pseudonym = try ConsentRegistry.cardPseudonym(card, dataDirectory: dir)
        XCTAssertEqual(pseudonym, reg.pseudonym(forCard: card))
        XCTAssertEqual(try reg.doNotAsk(pseudonym: pseudonym)?.marker, marker.marker)
        XCTAssertTrue(try reg.removeDoNotAsk(marker: marker.marker))
        XCTAssertFalse(try reg.removeDoNotAsk(marker: marker.marker))
        XCTAssertNil(anyFile(databaseFileBytes(db), contains: pseudonym), "no copy of the pseudonym stays behind")
    }

    func testAMalformedCardIsRefused() throws {
        let reg = try ConsentRegistry(dataDirectory: try makeTemporaryDirectory(self), clock: FixedClock(date: now))
        XCTAssertThrowsError(try reg.markDoNotAsk(card: "not a card", until: now.addingTimeInterval(60)))
    }
}
