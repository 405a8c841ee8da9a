import XCTest
@testable import WelkomConfig

/// `[radio]`'s receiver keys, `[[radio.receiver]]`, `[zones]` and `[[zone]]` (issue 4).
final class RadioZoneConfigTests: XCTestCase {
    let good = """
        [radio]
        transport = "serial:/dev/ttyACM0@1000000"
        name = "till1"
        flow_control = false
        kernel_channel = "raw-then-user"

        [[radio.receiver]]
        name = "till2"
        transport = "tcp:127.0.0.1:9000"

        [zones]
        percentile = 60
        window_seconds = 1.5
        dwell_seconds = 3

        [[till]]
        id = "1"

        [[till]]
        id = "2"

        [[zone]]
        till = "1"
        receiver = "till1"
        rssi_min = -80

        [[zone]]
        till = "2"
        receiver = "till2"
        rssi_min = -80
        rssi_max = -20
        """

    func testAFullSetupParsesAndRendersBack() throws {
        let config = try WelkomConfig.parse(good, file: "w.toml")
        XCTAssertEqual(config.radio.name, "till1")
        XCTAssertFalse(config.radio.flowControl)
        XCTAssertEqual(config.radio.kernelChannel, .rawThenUser)
        XCTAssertEqual(config.radio.receivers, [ReceiverSettings(name: "till2", transport: "tcp:127.0.0.1:9000")])
        XCTAssertEqual(config.radio.allReceivers.map(\.name), ["till1", "till2"])
        XCTAssertEqual(config.zones.percentile, 60)
        XCTAssertEqual(config.zones.windowSeconds, 1.5)
        XCTAssertEqual(config.zones.dwellSeconds, 3)
        XCTAssertEqual(config.zones.enterMarginDB, 3)
        XCTAssertEqual(config.zones.zones, [ZoneEntry(till: "1", receiver: "till1", rssiMin: -80, rssiMax: 20),
                                            ZoneEntry(till: "2", receiver: "till2", rssiMin: -80, rssiMax: -20)])
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "rendered.toml"), config)
    }

    func testDefaults() {
        let d = WelkomConfig.defaults
        XCTAssertEqual(d.radio.name, "radio")
        XCTAssertTrue(d.radio.flowControl)
        XCTAssertEqual(d.radio.kernelChannel, .raw)
        XCTAssertEqual(d.radio.receivers, [])
        XCTAssertEqual(d.zones, ZoneSettings())
        XCTAssertEqual(d.zones.zones, [])
        // No radio at all: no receivers either.
        XCTAssertEqual(RadioSettings(transport: "").allReceivers, [])
    }

    func testMistakesAreReportedWithLineAndKey() {
        let lines = issueLines("""
            [radio]
            transport = "hci0"
            kernel_channel = "exclusive"

            [[radio.receiver]]
            name = "radio"
            transport = "tcp:127.0.0.1:9000"

            [[radio.receiver]]
            transport = "usb:1"

            [zones]
            percentile = 120

            [[zone]]
            till = "7"

            [[zone]]
            till = "1"
            receiver = "front"
            rssi_min = -50
            rssi_max = -70
            """)
        let joined = lines.joined(separator: "\n")
        XCTAssertTrue(joined.contains("w.toml:3: radio.kernel_channel: unknown value \"exclusive\""), joined)
        XCTAssertTrue(joined.contains("radio.receiver[1].name: duplicate receiver name \"radio\""), joined)
        XCTAssertTrue(joined.contains("radio.receiver[2].name: missing"), joined)
        XCTAssertTrue(joined.contains("radio.receiver[2].transport: expected hciN"), joined)
        XCTAssertTrue(joined.contains("w.toml:13: zones.percentile: must be between 0.0 and 100.0, found 120.0"), joined)
        XCTAssertTrue(joined.contains("w.toml:16: zone[1].till: \"7\" is not a configured till"), joined)
        XCTAssertTrue(joined.contains("zone[2].receiver: \"front\" is not a configured receiver"), joined)
        XCTAssertTrue(joined.contains("zone[2].rssi_max: must not be below rssi_min (-50), found -70"), joined)
    }
}
