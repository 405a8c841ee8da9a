import Foundation
import WelkomCore
import XCTest
@testable import WelkomAgent

/// What the desk offers and hands out (issue 15): the newest consent text per language from
/// DATA/consent-texts, and the `welkom-wlk1:` URI of a new key.
final class DeskConsentTextsTests: XCTestCase {
    func testTheNewestTextOfEachLanguageIsOffered() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-texts-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let texts = dir.appendingPathComponent("consent-texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        for (name, body) in [("v2-nl.txt", "twee"), ("v10-nl.md", "tien"), ("v3-en.html", "three"), ("notes.txt", "no language"),
                             ("v9-de.txt", "neun"), ("v11-nl.pdf", "not a text")] {
            try Data(body.utf8).write(to: texts.appendingPathComponent(name))
        }
        let offered = ConsentTexts.newest(in: dir)
        XCTAssertEqual(offered.map(\.language), [.nl, .en])
        XCTAssertEqual(offered.map(\.version), ["v10-nl", "v3-en"], "v10 is newer than v2: versions compare as numbers")
        XCTAssertEqual(offered.map(\.text), ["tien", "three"])
        XCTAssertEqual(ConsentTexts.newest(in: dir.appendingPathComponent("nowhere")), [])
    }

    func testTheKeyURIHoldsKeyCompanyAndWindow() throws {
        let key = try XCTUnwrap(Block128(hex: "00112233445566778899aabbccddeeff"))
        XCTAssertEqual(WLK1URI(key: key, companyID: 0xFFFF).text,
                       "welkom-wlk1:00112233445566778899aabbccddeeff?company=ffff&window=600")
        XCTAssertEqual(WLK1URI(key: key, companyID: 0x0A12).text,
                       "welkom-wlk1:00112233445566778899aabbccddeeff?company=0a12&window=600")
        XCTAssertNotEqual(TillConsents.newBeaconKey(), TillConsents.newBeaconKey())
    }
}
