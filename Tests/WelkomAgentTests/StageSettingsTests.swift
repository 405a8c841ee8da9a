import Foundation
import WelkomAgent
import WelkomCards
import WelkomConfig
import WelkomCore
import WelkomPoleDisplay
import WelkomRadio
import XCTest

/// The config as each stage's settings: every non-default word reaches its stage as the same
/// choice (a mapping by raw value fell back to the default for any spelling it did not know).
final class StageSettingsTests: XCTestCase {
    /// The cards' own type; the config has one of the same name.
    typealias USBID = WelkomCards.USBDeviceID

    static let config = """
        [radio]
        transport = "serial:/dev/ttyACM0"
        flow_control = false
        kernel_channel = "raw-then-user"

        [policy]
        greeting_cooldown_minutes = 5
        time_zone = "Europe/Amsterdam"

        [[till]]
        id = "1"
        name = "Kassa 1"
        language = "nl"
        [[till]]
        id = "2"

        [[pole_display]]
        till = "2"
        path = "/dev/ttyUSB0"
        protocol = "cd5220"
        baud = 19200
        clear_after_seconds = 7
        code_page = 2

        [[reader]]
        kind = "hid-keyboard"
        till = "1"
        usb = "0c2e:0b61"
        port = "1-1.3"
        layout = "be"
        [[reader]]
        kind = "hid-pos"
        till = "2"
        usb = "0c2e:0b6a"
        [[reader]]
        kind = "acr122u"
        till = "2"
        usb = "072f:2200"
        [[reader]]
        kind = "evdev"
        till = "1"
        path = "/dev/input/event7"
        layout = "fr"
        [[reader]]
        kind = "serial"
        till = "2"
        path = "/dev/ttyACM1"
        baud = 115200
        """

    func testEveryChoiceReachesItsStage() throws {
        let config = try WelkomConfig.parse(Self.config, file: "s.toml")

        let radio = StageSettings.radioOptions(config.radio)
        XCTAssertEqual(radio, TransportOptions(flowControl: false, kernelChannel: .rawThenUser))

        XCTAssertEqual(StageSettings.poleDisplays(config), [
            PoleDisplayConfiguration(till: "2", path: "/dev/ttyUSB0", commandSet: .cd5220, baud: 19200,
                                     clearAfter: .seconds(7), codePage: 2),
        ])

        XCTAssertEqual(StageSettings.tills(config).map(\.language), [.nl, nil])
        XCTAssertEqual(StageSettings.tills(config).map(\.name), ["Kassa 1", "2"])

        XCTAssertEqual(try StageSettings.readers(config), [
            CardReaderSettings(device: .hidKeyboard(USBID(vendor: 0x0C2E, product: 0x0B61), port: "1-1.3", layout: .be),
                               till: "1"),
            CardReaderSettings(device: .hidPOS(USBID(vendor: 0x0C2E, product: 0x0B6A), port: nil), till: "2"),
            CardReaderSettings(device: .acr122u(USBID(vendor: 0x072F, product: 0x2200), port: nil), till: "2"),
            CardReaderSettings(device: .evdev(path: "/dev/input/event7", layout: .fr), till: "1"),
            CardReaderSettings(device: .serial(path: "/dev/ttyACM1", baud: 115_200), till: "2"),
        ])

        let policy = StageSettings.policy(config)
        XCTAssertEqual(policy.cooldowns[.greeting], 300)
        XCTAssertEqual(policy.timeZone.identifier, "Europe/Amsterdam")
        XCTAssertEqual(policy.tills, ["1", "2"])
    }

    /// Recognition stays off unless the config turns it on with a DPIA reference (invariant 1).
    func testTheRecogniserIsOffByDefault() throws {
        XCTAssertFalse(StageSettings.recogniser(try WelkomConfig.parse("", file: "e.toml")).enabled)
    }

    func testNoZonesNoTracker() throws {
        XCTAssertNil(StageSettings.zoneTracker(try WelkomConfig.parse("", file: "e.toml").zones))
    }

    /// A hand-built config the parser would refuse cannot hand a reader a default device either.
    func testALibUSBReaderWithoutItsIDIsAProblemNotADefault() {
        let reader = ReaderSettings(kind: .hidPOS, till: "1")
        XCTAssertThrowsError(try StageSettings.reader(reader, at: 2)) { error in
            XCTAssertEqual((error as? AgentSources.Problem)?.key, "reader[3].usb")
        }
    }
}
