import XCTest
@testable import WelkomConfig

/// `[till_display]`'s hardening keys and `[metrics]` (issue 12): values read, mistakes named with
/// FILE:LINE.
final class TillHardeningConfigTests: XCTestCase {
    func testKeysAreRead() throws {
        let config = try WelkomConfig.parse("""
            [till_display]
            listen = "0.0.0.0:8443"
            hosts = ["Kassa.Winkel.lan", "gateway"]
            token_lifetime = "12h"
            max_connections = 100
            max_connections_per_client = 8
            header_timeout_seconds = 5
            idle_timeout_seconds = 30

            [metrics]
            listen = "[::1]:9999"
            """, file: "w.toml")
        XCTAssertEqual(config.tillDisplay.hosts, ["kassa.winkel.lan", "gateway"])
        XCTAssertEqual(config.tillDisplay.tokenLifetime, 12 * 3600)
        XCTAssertEqual(config.tillDisplay.maxConnections, 100)
        XCTAssertEqual(config.tillDisplay.maxConnectionsPerClient, 8)
        XCTAssertEqual(config.tillDisplay.headerTimeoutSeconds, 5)
        XCTAssertEqual(config.tillDisplay.idleTimeoutSeconds, 30)
        XCTAssertFalse(config.tillDisplay.listensOnLoopbackOnly)
        XCTAssertEqual(config.metrics.host, "::1")
        XCTAssertEqual(config.metrics.port, 9999)
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
        let off = try WelkomConfig.parse("[metrics]\nlisten = \"\"\n", file: "w.toml")
        XCTAssertNil(off.metrics.port)
        for (text, seconds) in [("90d", 7_776_000), ("45s", 45), ("30m", 1800), ("1h", 3600)] {
            XCTAssertEqual(TillDisplaySettings.parseLifetime(text), seconds)
            XCTAssertEqual(TillDisplaySettings.parseLifetime(TillDisplaySettings.renderLifetime(seconds)), seconds)
        }
    }

    func testMistakesAreNamedWithFileAndLine() {
        XCTAssertEqual(issueLines("""
            [till_display]
            hosts = ["http://kassa.lan"]
            token_lifetime = "90 days"
            max_connections = 0
            header_timeout_seconds = "10"

            [metrics]
            listen = "9464"
            """), [
            "w.toml:2: till_display.hosts: expected host names such as \"kassa.winkel.lan\" (letters, digits, dots and dashes; no scheme or port), found \"http://kassa.lan\"",
            "w.toml:3: till_display.token_lifetime: expected a duration such as \"90d\", \"12h\", \"30m\" or \"45s\" (at most 3650d), found \"90 days\"",
            "w.toml:4: till_display.max_connections: must be between 1 and 100000, found 0",
            "w.toml:5: till_display.header_timeout_seconds: expected an integer, found a string",
            "w.toml:8: metrics.listen: expected HOST:PORT (such as \"127.0.0.1:8080\" or \"[::1]:8080\"), found \"9464\"; or \"\" for no metrics listener",
        ])
        XCTAssertEqual(issueLines("[till_display]\nhosts = \"kassa.lan\"\n"),
                       ["w.toml:2: till_display.hosts: expected an array of strings, found a string"])
        XCTAssertEqual(issueLines("[till_display]\ntoken_lifetime = \"0d\"\n").count, 1)
    }
}
