import XCTest
@testable import WelkomConfig

/// `till_display.do_not_ask_lifetime` (issue 15): how long a desk's "do not ask" marker lasts.
final class DoNotAskConfigTests: XCTestCase {
    func testTheLifetimeIsReadRenderedAndDefaultsToAYear() throws {
        XCTAssertEqual(WelkomConfig.defaults.tillDisplay.doNotAskLifetime, 365 * 86_400)
        let config = try WelkomConfig.parse("[till_display]\ndo_not_ask_lifetime = \"30d\"\n", file: "w.toml")
        XCTAssertEqual(config.tillDisplay.doNotAskLifetime, 30 * 86_400)
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testAMistakeIsNamedWithFileAndLine() {
        XCTAssertThrowsError(try WelkomConfig.parse("[till_display]\n\ndo_not_ask_lifetime = \"a year\"\n", file: "w.toml")) { error in
            XCTAssertTrue("\(error)".contains("w.toml:3: till_display.do_not_ask_lifetime: expected a duration"), "\(error)")
        }
    }
}
