import Foundation
import XCTest
@testable import WelkomConfig

final class DefaultsTests: XCTestCase {
    func testDefaultsRecogniseNobody() {
        let d = WelkomConfig.defaults
        XCTAssertEqual(d.data.dir, "/var/lib/welkom")
        XCTAssertFalse(d.recognition.enabled)
        XCTAssertEqual(d.recognition.dpiaReference, "")
        XCTAssertEqual(d.recognition.skewWindows, 1)
        XCTAssertFalse(d.recognition.allowStaticIdentifiers)
        XCTAssertEqual(d.recognition.rpaFalseMatchBound, 1e-5)
        XCTAssertEqual(d.recognition.companyID, 0xFFFF)
        XCTAssertEqual(d.radio, RadioSettings(transport: "hci0", record: ""))
        XCTAssertEqual(d.readers, [])
        XCTAssertEqual(d.tills, [TillSettings(id: "1", name: "Kassa 1")])
        XCTAssertEqual(d.tillDisplay.host, "127.0.0.1")
        XCTAssertEqual(d.tillDisplay.port, 8080)
        XCTAssertEqual(d.tillDisplay.listen, "127.0.0.1:8080")
        XCTAssertEqual(d.ledger.retentionDays, 30)
        XCTAssertEqual(d.policy.greetingCooldownMinutes, 30)
        XCTAssertEqual(d.policy.promptLifetimeSeconds, 120)
        XCTAssertEqual(d.policy.greetingCooldown, .seconds(1800))
        XCTAssertEqual(d.log, LogSettings(format: .logfmt, level: .info))
        XCTAssertFalse(d.recognitionActive)
        XCTAssertEqual(d.startupNotices, [
            "recognition is off: nobody will be recognised (set recognition.enabled = true and recognition.dpia_reference to enable)",
        ])
    }

    func testEmptyFileIsTheDefaults() throws {
        XCTAssertEqual(try WelkomConfig.parse("", file: "empty.toml"), .defaults)
        XCTAssertEqual(try WelkomConfig.parse("# only a comment\n\n", file: "c.toml"), .defaults)
    }

    /// The shipped file documents every default: if code and docs drift apart, this fails.
    func testShippedConfigIsExactlyTheDefaults() throws {
        let path = repositoryRoot.appendingPathComponent("config/welkom.toml").path
        let config = try WelkomConfig.load(path: path)
        XCTAssertEqual(config, .defaults)
    }

    /// Every key the code reads is written out in the shipped file (not merely defaulted),
    /// so the operator's one place to read is complete.
    func testShippedConfigWritesEveryKey() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("config/welkom.toml"), encoding: .utf8)
        let written = KeyLocator(text: text)
        let rendered = WelkomConfig.defaults.rendered()
        let keyLines = rendered.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains(" = ") }
        XCTAssertEqual(keyLines.count, 55)
        var section = ""
        for line in rendered.split(separator: "\n") {
            if line.hasPrefix("[[") { section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) + "[1]"; continue }
            if line.hasPrefix("[") { section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[]")); continue }
            guard !line.hasPrefix("#"), let eq = line.range(of: " = ") else { continue }
            let key = section + "." + line[..<eq.lowerBound]
            XCTAssertNotNil(written.exactLine(of: key), "config/welkom.toml does not write \(key)")
        }
        // The commented reader example names every reader key.
        for key in ["kind", "usb", "port", "path", "layout", "till", "baud"] {
            XCTAssertTrue(text.contains("# \(key) = "), "the [[reader]] example lacks \(key)")
        }
    }

    func testShippedConfigRendersAndParsesBack() throws {
        let path = repositoryRoot.appendingPathComponent("config/welkom.toml").path
        let config = try WelkomConfig.load(path: path)
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testStoreExample() throws {
        let path = repositoryRoot.appendingPathComponent("config/examples/store.toml").path
        let config = try WelkomConfig.load(path: path)
        XCTAssertTrue(config.recognitionActive)
        XCTAssertEqual(config.recognition.dpiaReference, "DPIA-2025-017 Winkel Utrecht Centrum")
        XCTAssertEqual(config.recognition.companyID, 0x0A5C)
        XCTAssertEqual(config.radio.transport, "serial:/dev/ttyACM0@1000000")
        XCTAssertEqual(config.tills.map(\.id), ["1", "2"])
        XCTAssertEqual(config.readers, [
            ReaderSettings(kind: .serial, till: "1", path: "/dev/ttyUSB0", baud: 9600),
            ReaderSettings(kind: .hidKeyboard, till: "2", usb: USBDeviceID(vendor: 0x0C2E, product: 0x0B61), layout: .nl),
        ])
        XCTAssertEqual(config.tillDisplay, TillDisplaySettings(host: "0.0.0.0", port: 8080))
        XCTAssertEqual(config.log.format, .json)
        XCTAssertEqual(config.policy, PolicySection())   // not written: defaults
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testEveryExampleIsValid() throws {
        let dir = repositoryRoot.appendingPathComponent("config/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            XCTAssertNoThrow(try WelkomConfig.load(path: dir.appendingPathComponent(file).path), file)
        }
    }

    func testKeysLeftOutKeepTheirDefaults() throws {
        let config = try WelkomConfig.parse("""
            [recognition]
            skew_windows = 3

            [policy]
            prompt_lifetime_seconds = 60
            """, file: "partial.toml")
        var expected = WelkomConfig.defaults
        expected.recognition.skewWindows = 3
        expected.policy.promptLifetimeSeconds = 60
        XCTAssertEqual(config, expected)
    }

    func testRenderedRoundTripOfAnUnusualConfig() throws {
        var config = WelkomConfig.defaults
        config.data.dir = "/srv/welkom data/\"quoted\"\\"
        config.recognition = RecognitionSettings(enabled: true, dpiaReference: "DPIA \"#7\"\ttab\u{1}é",
                                                 skewWindows: 6, allowStaticIdentifiers: true,
                                                 rpaFalseMatchBound: 0.123456789012345, companyID: 0x0001)
        config.radio = RadioSettings(transport: "tcp:[::1]:9000", record: "/tmp/capture.btsnoop")
        config.tills = [TillSettings(id: "a.1", name: "Kassa # één"), TillSettings(id: "b-2", name: "")]
        config.readers = [
            ReaderSettings(kind: .acr122u, till: "a.1", usb: USBDeviceID(vendor: 0x072F, product: 0x2200)),
            ReaderSettings(kind: .evdev, till: "b-2", path: "/dev/input/event7", layout: .be),
            ReaderSettings(kind: .serial, till: "a.1", path: "/dev/ttyACM1", baud: 115200),
        ]
        config.tillDisplay = TillDisplaySettings(host: "::", port: 65535)
        config.ledger.retentionDays = 3650
        config.policy = PolicySection(greetingCooldownMinutes: 0, promptLifetimeSeconds: 3600)
        config.log = LogSettings(format: .json, level: .critical)
        let text = config.rendered()
        XCTAssertTrue(text.contains("company_id = 0x0001\n"), text)
        XCTAssertTrue(text.contains("listen = \"[::]:65535\"\n"), text)
        XCTAssertEqual(try WelkomConfig.parse(text, file: "<rendered>"), config)
    }

    func testRenderedWritesEveryKeyInDocumentOrder() {
        XCTAssertEqual(WelkomConfig.defaults.rendered(), """
            # Welkom: the effective configuration, every key with the value in use.

            [data]
            dir = "/var/lib/welkom"

            [recognition]
            enabled = false
            dpia_reference = ""
            skew_windows = 1
            allow_static_identifiers = false
            rpa_false_match_bound = 1e-05
            company_id = 0xFFFF

            [radio]
            transport = "hci0"
            record = ""
            record_format = "h4"
            name = "radio"
            flow_control = true
            kernel_channel = "raw"

            [zones]
            percentile = 75.0
            window_seconds = 2.0
            enter_margin_db = 3.0
            leave_margin_db = 3.0
            dwell_seconds = 2.0

            # no [[reader]] configured

            [cards]
            allow_prefixes = []

            [[till]]
            id = "1"
            name = "Kassa 1"
            language = ""

            [till_display]
            listen = "127.0.0.1:8080"
            tls_certificate = ""
            tls_key = ""
            hosts = []
            token_lifetime = "90d"
            max_connections = 512
            max_connections_per_client = 32
            header_timeout_seconds = 10
            idle_timeout_seconds = 60
            do_not_ask_lifetime = "365d"

            [ledger]
            retention_days = 30
            checkpoint_interval_seconds = 300
            controller = ""
            privacy_contact = ""

            [policy]
            greeting_cooldown_minutes = 30
            prompt_lifetime_seconds = 120
            note_cooldown_minutes = 30
            notes = true
            offer_cooldown_minutes = 240
            max_offers = 2
            quiet_hours = ""
            time_zone = ""

            [templates]
            greeting_named_nl = "Welkom terug, {name}"
            greeting_named_en = "Welcome back, {name}"
            greeting_nl = "Welkom terug — vaste klant"
            greeting_en = "Welcome back — regular customer"
            offer_nl = "{offer}"
            offer_en = "{offer}"
            note_nl = "{note}"
            note_en = "{note}"

            [log]
            format = "logfmt"
            level = "info"

            [metrics]
            listen = "127.0.0.1:9464"

            """)
    }

    func testNoticesWhenRecognitionIsOnAndRecording() throws {
        let config = try WelkomConfig.parse("""
            [recognition]
            enabled = true
            dpia_reference = "DPIA-1"
            allow_static_identifiers = true
            [radio]
            record = "/tmp/r.btsnoop"
            """, file: "on.toml")
        XCTAssertTrue(config.recognitionActive)
        XCTAssertEqual(config.startupNotices.count, 4)
        XCTAssertTrue(config.startupNotices[0].hasPrefix("recognition is on under DPIA reference \"DPIA-1\""))
        XCTAssertTrue(config.startupNotices[1].hasPrefix("recognition.company_id is 0xFFFF"))
        XCTAssertTrue(config.startupNotices[2].hasPrefix("static identifiers"))
        XCTAssertTrue(config.startupNotices[3].hasPrefix("radio.record is set"))
    }

    func testEnabledWithoutDPIAInCodeIsNotActive() {
        var config = WelkomConfig.defaults
        config.recognition.enabled = true
        config.recognition.dpiaReference = "   "
        XCTAssertFalse(config.recognitionActive)
        XCTAssertTrue(config.startupNotices[0].hasPrefix("recognition is off: recognition.enabled is true"))
    }

    func testAlternativeSpellingsTOMLAllows() throws {
        // Dotted keys, inline tables, literal strings, hex/underscored integers, a BOM, CRLF.
        let config = try WelkomConfig.parse("\u{FEFF}recognition.enabled = true\r\nrecognition.dpia_reference = 'D-1'\r\n"
            + "recognition.company_id = 0x0a_5c\r\ntill_display = { listen = \"[::1]:8443\" }\r\n"
            + "till = [ { id = \"x\", name = \"X\" } ]\r\n", file: "alt.toml")
        XCTAssertTrue(config.recognitionActive)
        XCTAssertEqual(config.recognition.companyID, 0x0A5C)
        XCTAssertEqual(config.tillDisplay, TillDisplaySettings(host: "::1", port: 8443))
        XCTAssertEqual(config.tills, [TillSettings(id: "x", name: "X")])
    }

    func testTillNameDefaultsToItsID() throws {
        let config = try WelkomConfig.parse("[[till]]\nid = \"7\"\n", file: "t.toml")
        XCTAssertEqual(config.tills, [TillSettings(id: "7", name: "7")])
    }
}

extension DefaultsTests {
    /// A store that reads only cards runs without a radio.
    func testEmptyTransportMeansNoRadio() throws {
        let config = try WelkomConfig.parse("[radio]\ntransport = \"\"\n", file: "cards-only.toml")
        XCTAssertEqual(config.radio.transport, "")
    }
}
