import WelkomCore
import XCTest
@testable import WelkomConfig

/// `[cards] allow_prefixes` (issue 12, finding 1) and the field limits of offer texts and till
/// names (finding 7), each refused with FILE:LINE.
final class CardsAndFieldLimitsConfigTests: XCTestCase {
    func testAllowPrefixesAreRead() throws {
        let config = try WelkomConfig.parse("[cards]\nallow_prefixes = [\"6012345\", \"50123456\"]\n", file: "w.toml")
        XCTAssertEqual(config.cards.allowPrefixes, ["6012345", "50123456"])
        XCTAssertEqual(WelkomConfig.defaults.cards.allowPrefixes, [])
        // The rendered config reads back the same.
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "r.toml"), config)
    }

    func testBadAllowPrefixesSayWhereAndWhy() {
        XCTAssertEqual(issueLines("[cards]\n\nallow_prefixes = [\"4\"]\n"), [
            "w.toml:3: cards.allow_prefixes: element 1 must be 6 to 18 digits long, found 1 (an issuer prefix is 6 or 8 digits; a shorter one would let whole card brands through)",
        ])
        XCTAssertEqual(issueLines("[cards]\nallow_prefixes = [\"601234\", \"60x234\"]\n"), [
            "w.toml:2: cards.allow_prefixes: element 2 must hold digits only",
        ])
        XCTAssertEqual(issueLines("[cards]\nallow_prefixes = \"6012345\"\n"), [
            "w.toml:2: cards.allow_prefixes: expected an array of strings, found a string",
        ])
        XCTAssertEqual(issueLines("[cards]\nallow_prefix = [\"6012345\"]\n"), [
            "w.toml:2: cards.allow_prefix: unknown key; did you mean allow_prefixes?",
        ])
    }

    func testOfferTextsAndTillNamesHaveLimits() {
        let long = String(repeating: "x", count: FieldLimits.offerText + 1)
        XCTAssertEqual(issueLines("[[offer]]\nid = \"coffee\"\ntext_nl = \"\(long)\"\n"), [
            "w.toml:3: offer[1].text_nl: is 201 bytes long, at most 200 allowed",
        ])
        XCTAssertEqual(issueLines("[[offer]]\nid = \"coffee\"\ntext_en = \"Free\\u001B[2J coffee\"\n"), [
            "w.toml:3: offer[1].text_en: holds a control character at position 5",
        ])
        let name = String(repeating: "k", count: FieldLimits.tillName + 1)
        XCTAssertEqual(issueLines("[[till]]\nid = \"1\"\nname = \"\(name)\"\n"), [
            "w.toml:3: till[1].name: is 65 bytes long, at most 64 allowed",
        ])
        XCTAssertEqual(issueLines("[[till]]\nid = \"1\"\nname = \"Kassa\\n1\"\n"), [
            "w.toml:3: till[1].name: holds a control character at position 6",
        ])
        // At the limit: fine.
        XCTAssertNoThrow(try WelkomConfig.parse("[[offer]]\nid = \"c\"\ntext_nl = \"\(String(repeating: "x", count: 200))\"\n", file: "w.toml"))
    }
}
