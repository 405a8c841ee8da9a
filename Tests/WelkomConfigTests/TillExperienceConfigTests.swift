import Foundation
import XCTest
@testable import WelkomConfig

/// Issue 6's keys: [policy] cool-downs, quiet hours and time zone, [templates], [[offer]],
/// [[pole_display]] and [till_display] TLS.
final class TillExperienceConfigTests: XCTestCase {
    func testEverySectionReadAndRenderedBack() throws {
        let config = try WelkomConfig.parse("""
            [[till]]
            id = "1"
            [[till]]
            id = "2"

            [till_display]
            listen = "0.0.0.0:8443"
            tls_certificate = "/etc/welkom/tls/cert.pem"
            tls_key = "/etc/welkom/tls/key.pem"

            [policy]
            note_cooldown_minutes = 10
            offer_cooldown_minutes = 1440
            max_offers = 1
            quiet_hours = "22:00-07:00"
            time_zone = "Europe/Amsterdam"

            [templates]
            greeting_named_nl = "Hoi {name}!"
            offer_en = "Offer: {offer}"

            [[offer]]
            id = "koffie-2026"
            text_nl = "2e koffie gratis (€ 0)"
            valid_from = "2026-12-01"
            valid_until = "2026-12-31"
            tags = "coffee, breakfast"

            [[pole_display]]
            till = "2"
            path = "/dev/ttyUSB0"
            protocol = "cd5220"
            baud = 19200
            clear_after_seconds = 5
            """, file: "t.toml")
        XCTAssertTrue(config.tillDisplay.usesTLS)
        XCTAssertEqual(config.policy.quietHoursMinutes?.start, 22 * 60)
        XCTAssertEqual(config.policy.quietHoursMinutes?.end, 7 * 60)
        XCTAssertEqual(config.policy.timeZone, "Europe/Amsterdam")
        XCTAssertEqual(config.policy.maxOffers, 1)
        XCTAssertEqual(config.templates.greetingNamedNL, "Hoi {name}!")
        XCTAssertEqual(config.templates.greetingNamedEN, "Welcome back, {name}")
        XCTAssertEqual(config.offers, [OfferSettings(id: "koffie-2026", textNL: "2e koffie gratis (€ 0)", validFrom: "2026-12-01",
                                                     validUntil: "2026-12-31", tags: ["coffee", "breakfast"])])
        XCTAssertEqual(config.poleDisplays, [PoleDisplaySettings(till: "2", path: "/dev/ttyUSB0", commandSet: .cd5220,
                                                                 baud: 19200, clearAfterSeconds: 5, codePage: 19)])
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testMistakesAreNamedWithFileLineAndKey() {
        XCTAssertEqual(issueLines("""
            [[till]]
            id = "1"

            [till_display]
            tls_certificate = "/etc/cert.pem"

            [policy]
            quiet_hours = "22-07"
            time_zone = "Mars/Olympus"
            max_offers = 11

            [templates]
            offer_nl = "Aanbieding voor {name}: {offer}"
            note_en = "no placeholder"

            [[offer]]
            id = "a"
            valid_from = "2026-02-30"

            [[offer]]
            id = "b"
            text_en = "B"
            valid_from = "2026-12-31"
            valid_until = "2026-12-01"

            [[pole_display]]
            till = "9"
            path = "ttyUSB0"
            protocol = "epson"
            """), [
            "w.toml:4: till_display.tls_key: tls_certificate and tls_key go together: set both for HTTPS, or neither for plain HTTP",
            "w.toml:8: policy.quiet_hours: expected \"HH:MM-HH:MM\" in local time (such as \"22:00-07:00\"), or \"\" for none; found \"22-07\"",
            "w.toml:9: policy.time_zone: unknown time zone \"Mars/Olympus\"; expected an IANA name such as \"Europe/Amsterdam\", or \"\" for the system's",
            "w.toml:10: policy.max_offers: must be between 0 and 10, found 11",
            "w.toml:13: templates.offer_nl: {name} may appear only in greeting_named_nl and greeting_named_en (shown only to customers who allowed their name)",
            "w.toml:14: templates.note_en: must contain {note}, found \"no placeholder\"",
            "w.toml:16: offer[1].text_en: an offer needs text_nl or text_en (or both)",
            "w.toml:18: offer[1].valid_from: expected a date as \"YYYY-MM-DD\", or \"\" for open-ended; found \"2026-02-30\"",
            "w.toml:24: offer[2].valid_until: 2026-12-01 is before valid_from 2026-12-31",
            "w.toml:27: pole_display[1].till: \"9\" is not a configured till (configured: \"1\")",
            "w.toml:28: pole_display[1].path: expected an absolute device path (such as /dev/ttyUSB0), found \"ttyUSB0\"",
            "w.toml:29: pole_display[1].protocol: unknown value \"epson\"; expected one of escpos, cd5220",
        ])
    }

    func testTillLanguage() throws {
        let config = try WelkomConfig.parse("[[till]]\nid = \"1\"\nlanguage = \"en\"\n", file: "l.toml")
        XCTAssertEqual(config.tills, [TillSettings(id: "1", name: "1", language: .en)])
        XCTAssertEqual(issueLines("[[till]]\nid = \"1\"\nlanguage = \"fr\"\n"),
                       ["w.toml:3: till[1].language: expected \"nl\", \"en\" or \"\" (both), found \"fr\""])
    }

    func testQuietHoursForms() {
        XCTAssertNil(try PolicySection.parseQuietHours("").get())
        XCTAssertEqual(try PolicySection.parseQuietHours("7:30-9:00").get()?.start, 450)
        for bad in ["24:00-07:00", "22:00-22:00", "22:00", "22:60-01:00", "ab:cd-01:00"] {
            XCTAssertThrowsError(try PolicySection.parseQuietHours(bad).get(), bad)
        }
    }
}
