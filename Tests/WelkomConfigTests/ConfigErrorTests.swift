import XCTest
@testable import WelkomConfig

/// Each kind of mistake gives one `FILE:LINE: key: message` line, on the right line.
final class ConfigErrorTests: XCTestCase {
    func testSyntaxErrorNamesLineAndKey() {
        let lines = issueLines("""
            [recognition]
            enabled = true
            skew_windows = tru
            """)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("w.toml:3: recognition.skew_windows: not valid TOML: "), lines[0])
    }

    func testSyntaxErrorInAHeader() {
        let lines = issueLines("[data]\ndir = \"/x\"\n\n[recognition\nenabled = true\n")
        XCTAssertEqual(lines.count, 1)
        // The line holds the unfinished header of [recognition].
        XCTAssertEqual(lines[0], "w.toml:4: recognition: not valid TOML: Error while parsing table header: expected ']', saw '\\n' (column 13)")
    }

    func testWrongType() {
        XCTAssertEqual(issueLines("""
            # comment

            [recognition]
            enabled = "yes"
            skew_windows = 1.5
            rpa_false_match_bound = "small"
            """), [
            "w.toml:4: recognition.enabled: expected a boolean (true or false), found a string",
            "w.toml:5: recognition.skew_windows: expected an integer, found a floating-point number",
            "w.toml:6: recognition.rpa_false_match_bound: expected a number, found a string",
        ])
    }

    func testSectionOfTheWrongType() {
        XCTAssertEqual(issueLines("""
            data = "/var/lib/welkom"
            [reader]
            kind = "serial"
            """), [
            "w.toml:1: data: expected a table ([data]), found a string",
            "w.toml:2: reader: expected an array of tables ([[reader]]), found a table",
        ])
    }

    func testUnknownKeyAndTableWithSuggestions() {
        XCTAssertEqual(issueLines("""
            [recognition]
            enabeld = true
            dpiaReference = "D-1"
            colour = "blue"

            [recogniton]
            enabled = true

            [ledger]
            retention-days = 7
            """), [
            "w.toml:2: recognition.enabeld: unknown key; did you mean enabled?",
            "w.toml:3: recognition.dpiaReference: unknown key; did you mean dpia_reference?",
            "w.toml:4: recognition.colour: unknown key (known here: enabled, dpia_reference, skew_windows, allow_static_identifiers, rpa_false_match_bound, company_id)",
            "w.toml:6: recogniton: unknown table; did you mean recognition?",
            "w.toml:10: ledger.retention-days: unknown key; did you mean retention_days?",
        ])
    }

    func testUnknownKeyInAReaderAndInATill() {
        XCTAssertEqual(issueLines("""
            [[till]]
            id = "1"
            nam = "Kassa 1"

            [[reader]]
            kind = "serial"
            path = "/dev/ttyACM0"
            till = "1"
            bauds = 9600
            """), [
            "w.toml:3: till[1].nam: unknown key; did you mean name?",
            "w.toml:9: reader[1].bauds: unknown key; did you mean baud?",
        ])
    }

    func testOutOfRange() {
        XCTAssertEqual(issueLines("""
            [recognition]
            skew_windows = 7
            rpa_false_match_bound = 1.0
            company_id = 0x10000

            [till_display]
            listen = "127.0.0.1:0"

            [ledger]
            retention_days = 0

            [policy]
            greeting_cooldown_minutes = -1
            prompt_lifetime_seconds = 0
            """), [
            "w.toml:2: recognition.skew_windows: must be between 0 and 6, found 7",
            "w.toml:3: recognition.rpa_false_match_bound: must be greater than 0 and less than 1, found 1.0",
            "w.toml:4: recognition.company_id: must be between 0x0000 and 0xFFFF, found 0x10000",
            "w.toml:7: till_display.listen: port must be between 1 and 65535, found 0",
            "w.toml:10: ledger.retention_days: must be at least 1, found 0",
            "w.toml:13: policy.greeting_cooldown_minutes: must be between 0 and 1440, found -1",
            "w.toml:14: policy.prompt_lifetime_seconds: must be between 1 and 3600, found 0",
        ])
        XCTAssertEqual(issueLines("[till_display]\nlisten = \"127.0.0.1:65536\"\n"),
                       ["w.toml:2: till_display.listen: port must be between 1 and 65535, found 65536"])
        XCTAssertEqual(issueLines("[recognition]\nrpa_false_match_bound = 0\n"),
                       ["w.toml:2: recognition.rpa_false_match_bound: must be greater than 0 and less than 1, found 0.0"])
        XCTAssertEqual(issueLines("[recognition]\ncompany_id = -1\n"),
                       ["w.toml:2: recognition.company_id: must be between 0x0000 and 0xFFFF, found -1"])
    }

    func testBadListen() {
        XCTAssertEqual(issueLines("[till_display]\nlisten = \"8080\"\n"), [
            "w.toml:2: till_display.listen: expected HOST:PORT (such as \"127.0.0.1:8080\" or \"[::1]:8080\"), found \"8080\"",
        ])
    }

    func testEnabledWithoutDPIAReference() {
        XCTAssertEqual(issueLines("""
            [data]
            dir = "/var/lib/welkom"

            [recognition]
            enabled = true
            """), ["w.toml:5: recognition.dpia_reference: a DPIA reference is required when recognition is enabled"])
        // Written but blank: the error is on the dpia_reference line.
        XCTAssertEqual(issueLines("""
            [recognition]
            enabled = true
            skew_windows = 1
            dpia_reference = "  "
            """), ["w.toml:4: recognition.dpia_reference: a DPIA reference is required when recognition is enabled"])
    }

    func testReaderTillMustBeConfigured() {
        XCTAssertEqual(issueLines("""
            [[till]]
            id = "1"

            [[till]]
            id = "2"

            [[reader]]
            kind = "serial"
            path = "/dev/ttyACM0"
            till = "1"

            [[reader]]
            kind = "evdev"
            path = "/dev/input/event3"
            till = "3"
            """), ["w.toml:15: reader[2].till: \"3\" is not a configured till (configured: \"1\", \"2\")"])
    }

    func testReaderTillChecksAgainstTheDefaultTill() {
        XCTAssertEqual(issueLines("[[reader]]\nkind = \"serial\"\npath = \"/dev/ttyS0\"\ntill = \"2\"\n"),
                       ["w.toml:4: reader[1].till: \"2\" is not a configured till (configured: \"1\")"])
    }

    func testDuplicateTillIDs() {
        XCTAssertEqual(issueLines("""
            [[till]]
            id = "1"
            name = "Kassa 1"

            [[till]]
            id = "2"

            [[till]]
            name = "Kassa 1 again"
            id = "1"
            """), ["w.toml:10: till[3].id: duplicate till id \"1\"; each [[till]] needs its own"])
    }

    func testBadTillID() {
        XCTAssertEqual(issueLines("[[till]]\nid = \"kassa 1\"\n[[till]]\nname = \"x\"\n"), [
            "w.toml:2: till[1].id: \"kassa 1\" may hold only letters, digits, '.', '_' and '-' (it appears in URLs)",
            "w.toml:3: till[2].id: missing; every [[till]] needs an id",
        ])
    }

    func testBadReaderKindLayoutAndUSB() {
        XCTAssertEqual(issueLines("""
            [[reader]]
            kind = "hid-keybord"
            usb = "0c2e:0b61"
            till = "1"

            [[reader]]
            kind = "hid-pos"
            usb = "0c2e-0b61"
            layout = "azerty"
            till = "1"

            [[reader]]
            kind = "scanner"
            till = "1"
            """), [
            "w.toml:2: reader[1].kind: unknown value \"hid-keybord\"; did you mean hid-keyboard? (expected one of hid-keyboard, hid-pos, acr122u, evdev, serial)",
            "w.toml:8: reader[2].usb: expected vendor:product as four hex digits each (such as \"0c2e:0b61\"), found \"0c2e-0b61\"",
            "w.toml:9: reader[2].layout: unknown value \"azerty\"; expected one of us, nl, de, fr, be",
            "w.toml:13: reader[3].kind: unknown value \"scanner\"; expected one of hid-keyboard, hid-pos, acr122u, evdev, serial",
        ])
    }

    func testReaderNeedsPathOrUSBForItsKind() {
        XCTAssertEqual(issueLines("""
            [[reader]]
            kind = "serial"
            till = "1"

            [[reader]]
            kind = "evdev"
            path = ""
            till = "1"

            [[reader]]
            kind = "acr122u"
            till = "1"

            [[reader]]
            kind = "hid-keyboard"
            usb = ""
            till = "1"

            [[reader]]
            kind = "serial"
            path = "ttyUSB0"
            baud = 96000
            till = "1"
            """), [
            "w.toml:1: reader[1].path: a serial reader needs path = the device (such as /dev/ttyACM0)",
            "w.toml:7: reader[2].path: an evdev reader needs path = the device (such as /dev/input/event7)",
            "w.toml:10: reader[3].usb: an acr122u reader needs usb = \"vvvv:pppp\" (its vendor and product ID, as lsusb shows them)",
            "w.toml:16: reader[4].usb: a hid-keyboard reader needs usb = \"vvvv:pppp\" (its vendor and product ID, as lsusb shows them)",
            "w.toml:21: reader[5].path: expected an absolute device path, found \"ttyUSB0\"",
            "w.toml:22: reader[5].baud: 96000 is not a serial line speed; expected one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600",
        ])
    }

    func testReaderKeysThatDoNotApplyToItsKind() {
        XCTAssertEqual(issueLines("""
            [[reader]]
            kind = "hid-pos"
            usb = "05e0:1200"
            path = "/dev/hidraw0"
            baud = 115200
            till = "1"

            [[reader]]
            kind = "serial"
            path = "/dev/ttyACM0"
            usb = "05e0:1200"
            till = "1"
            """), [
            "w.toml:4: reader[1].path: path applies only to evdev and serial readers; a hid-pos reader is found by usb",
            "w.toml:5: reader[1].baud: baud applies only to serial readers",
            "w.toml:11: reader[2].usb: usb applies only to hid-keyboard, hid-pos and acr122u readers; a serial reader is found by path",
        ])
    }

    func testReaderWithoutKindOrTill() {
        XCTAssertEqual(issueLines("""
            [radio]
            transport = "hci0"

            [[reader]]
            path = "/dev/ttyACM0"
            """), [
            "w.toml:4: reader[1].kind: missing; every [[reader]] needs a kind: hid-keyboard, hid-pos, acr122u, evdev, serial",
            "w.toml:4: reader[1].till: missing; every [[reader]] must name the [[till]] it stands at",
        ])
    }

    func testBadTransportAndDataDir() {
        XCTAssertEqual(issueLines("""
            [data]
            dir = "welkom"
            [radio]
            transport = "hci"
            """), [
            "w.toml:2: data.dir: expected an absolute path (such as /var/lib/welkom), found \"welkom\"",
            "w.toml:4: radio.transport: expected hciN, serial:PATH[@BAUD], tcp:HOST:PORT or btsnoop:FILE, found \"hci\"",
        ])
        for good in ["hci1", "serial:/dev/ttyACM0", "serial:/tmp/pty@115200", "tcp:127.0.0.1:9000", "btsnoop:/tmp/a.btsnoop"] {
            XCTAssertNoThrow(try WelkomConfig.parse("[radio]\ntransport = \"\(good)\"\n", file: "t.toml"), good)
        }
        for bad in ["serial:ttyACM0", "serial:/dev/ttyACM0@fast", "tcp:9000", "tcp::9000", "btsnoop:", "usb:1"] {
            XCTAssertEqual(issueLines("[radio]\ntransport = \"\(bad)\"\n").count, 1, bad)
        }
    }

    func testBadLogFormatAndLevel() {
        XCTAssertEqual(issueLines("[log]\nformat = \"jsonl\"\nlevel = \"warn\"\n"), [
            "w.toml:2: log.format: unknown value \"jsonl\"; did you mean json? (expected one of logfmt, json)",
            "w.toml:3: log.level: unknown value \"warn\"; did you mean warning? (expected one of trace, debug, info, notice, warning, error, critical)",
        ])
    }

    /// One run reports every problem, in file order, each on its own line.
    func testSeveralErrorsAllReportedInFileOrder() throws {
        do {
            _ = try WelkomConfig.parse("""
                [log]
                level = "loud"

                [recognition]
                enabled = true
                skew_windows = 9
                compnay_id = 0x1234

                [[till]]
                id = "1"
                [[till]]
                id = "1"

                [[reader]]
                kind = "serial"
                till = "9"
                path = "/dev/ttyACM0"

                [ledger]
                retention_days = "30"
                """, file: "/etc/welkom/welkom.toml")
            XCTFail("expected a ConfigError")
        } catch {
            XCTAssertEqual(error.issues.map(\.line), [2, 5, 6, 7, 12, 16, 20])
            XCTAssertEqual(error.description, """
                /etc/welkom/welkom.toml:2: log.level: unknown value "loud"; expected one of trace, debug, info, notice, warning, error, critical
                /etc/welkom/welkom.toml:5: recognition.dpia_reference: a DPIA reference is required when recognition is enabled
                /etc/welkom/welkom.toml:6: recognition.skew_windows: must be between 0 and 6, found 9
                /etc/welkom/welkom.toml:7: recognition.compnay_id: unknown key; did you mean company_id?
                /etc/welkom/welkom.toml:12: till[2].id: duplicate till id "1"; each [[till]] needs its own
                /etc/welkom/welkom.toml:16: reader[1].till: "9" is not a configured till (configured: "1")
                /etc/welkom/welkom.toml:20: ledger.retention_days: expected an integer, found a string
                """)
        }
    }

    func testIssueDescriptionWithoutLineOrKey() {
        XCTAssertEqual(ConfigIssue(file: "f.toml", line: 3, key: "a.b", message: "m").description, "f.toml:3: a.b: m")
        XCTAssertEqual(ConfigIssue(file: "f.toml", line: nil, key: "a.b", message: "m").description, "f.toml: a.b: m")
        XCTAssertEqual(ConfigIssue(file: "f.toml", line: nil, key: "", message: "m").description, "f.toml: m")
    }

    func testErrorsInsideInlineTablesPointAtTheirLine() {
        XCTAssertEqual(issueLines("""
            [recognition]
            enabled = false

            till_display = { listen = "127.0.0.1:8080" }
            """), [
            // Written after [recognition], it belongs to [recognition]: a classic TOML slip.
            "w.toml:4: recognition.till_display: unknown table; till_display belongs at the top level: write it above the first [table], or as [till_display]",
        ])
        XCTAssertEqual(issueLines("""
            till_display = { listen = 8080 }
            reader = [
              { kind = "serial", path = "/dev/ttyACM0", till = "1" },
              { kind = "serial", till = "1" },
            ]
            """), [
            "w.toml:1: till_display.listen: expected a string, found an integer",
            "w.toml:2: reader[2].path: a serial reader needs path = the device (such as /dev/ttyACM0)",
        ])
    }
}
