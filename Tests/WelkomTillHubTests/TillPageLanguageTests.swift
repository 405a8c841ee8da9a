import XCTest
@testable import WelkomTillHub

/// The page's own words follow the till's language; without one, both side by side.
final class TillPageLanguageTests: XCTestCase {
    func testDutchEnglishAndBoth() {
        let nl = TillPage.render(till: TillInfo(id: "1", name: "Kassa 1", language: .nl), reconnectMilliseconds: 2000)
        XCTAssertTrue(nl.contains(#"<html lang="nl">"#))
        XCTAssertTrue(nl.contains(#"makeButton("ack", "Gezien", "ack")"#))
        XCTAssertTrue(nl.contains("<p id=\"empty\">Geen meldingen</p>"))
        XCTAssertFalse(nl.contains("Acknowledge"))

        let en = TillPage.render(till: TillInfo(id: "1", name: "Till 1", language: .en), reconnectMilliseconds: 2000)
        XCTAssertTrue(en.contains(#"makeButton("dismiss", "Dismiss", "dismiss")"#))
        XCTAssertFalse(en.contains("Gezien"))

        let both = TillPage.render(till: TillInfo(id: "1", name: "Kassa 1"), reconnectMilliseconds: 2000)
        XCTAssertTrue(both.contains(#"makeButton("ack", "Acknowledge / Gezien", "ack")"#))
    }

    func testKeyboardHandlersArePresent() {
        let page = TillPage.render(till: TillInfo(id: "1", name: "Kassa 1"), reconnectMilliseconds: 2000)
        XCTAssertTrue(page.contains(#"event.key === "Escape""#))
        XCTAssertTrue(page.contains(#"event.key === "ArrowDown""#))
    }

    func testScriptStringsCannotCloseTheScript() {
        XCTAssertEqual(TillPageText.js("a</script>b"), #""a<\/script>b""#)
    }
}
