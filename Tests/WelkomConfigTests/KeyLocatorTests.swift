import XCTest
@testable import WelkomConfig

final class KeyLocatorTests: XCTestCase {
    func testHeadersArraysAndDottedKeys() {
        let locator = KeyLocator(text: """
            top = 1
            [a]
            x = 1
            b.c = 2
            [[r]]
            k = 1
            [[r]]
            k = 2
            [r.sub]
            z = 3
            [ "q.k" . y ]
            w = 4
            """)
        XCTAssertEqual(locator.exactLine(of: "top"), 1)
        XCTAssertEqual(locator.exactLine(of: "a"), 2)
        XCTAssertEqual(locator.exactLine(of: "a.x"), 3)
        XCTAssertEqual(locator.exactLine(of: "a.b"), 4)
        XCTAssertEqual(locator.exactLine(of: "a.b.c"), 4)
        XCTAssertEqual(locator.exactLine(of: "r"), 5)
        XCTAssertEqual(locator.exactLine(of: "r[1].k"), 6)
        XCTAssertEqual(locator.exactLine(of: "r[2]"), 7)
        XCTAssertEqual(locator.exactLine(of: "r[2].k"), 8)
        XCTAssertEqual(locator.exactLine(of: "r[2].sub.z"), 10)
        XCTAssertEqual(locator.exactLine(of: "\"q.k\".y.w"), 12)
        XCTAssertEqual(locator.line(of: "r[2].missing"), 7)
        XCTAssertNil(locator.line(of: "nowhere.at.all"))
        XCTAssertEqual(locator.path(onLine: 8), "r[2].k")
    }

    func testValuesSpanningLinesAreNotTakenForKeys() {
        let locator = KeyLocator(text: #"""
            s = """
            fake = 1
            [fake]
            \""" still inside
            """
            l = '''
            fake2 = 2
            '''
            arr = [
              "x = 1", # comment with [brackets]
              { inner = 2 },
              [ 1, 2 ],
            ]
            t = { a = "}", b = '{' }
            esc = "quote \" # not a comment = 3"
            after = 1
            """#)
        XCTAssertNil(locator.exactLine(of: "fake"))
        XCTAssertNil(locator.exactLine(of: "fake2"))
        XCTAssertEqual(locator.exactLine(of: "l"), 6)
        XCTAssertEqual(locator.exactLine(of: "arr"), 9)
        XCTAssertEqual(locator.exactLine(of: "t"), 14)
        XCTAssertEqual(locator.exactLine(of: "esc"), 15)
        XCTAssertEqual(locator.exactLine(of: "after"), 16)
    }

    func testNeverStallsOnNonsense() {
        let locator = KeyLocator(text: "=== [[ \u{1} ]]] \"unterminated\n'x\n{{{\n]]]\nok = 1\n")
        // It makes no sense of the junk, but gets through it and finds the key after it.
        XCTAssertEqual(locator.exactLine(of: "ok"), 5)
    }

    func testSuggestions() {
        let known = ["enabled", "dpia_reference", "skew_windows", "company_id"]
        XCTAssertEqual(KeySuggestion.closest(to: "enabeld", among: known), "enabled")
        XCTAssertEqual(KeySuggestion.closest(to: "DPIA-Reference", among: known), "dpia_reference")
        XCTAssertEqual(KeySuggestion.closest(to: "skew_window", among: known), "skew_windows")
        XCTAssertNil(KeySuggestion.closest(to: "colour", among: known))
    }
}
