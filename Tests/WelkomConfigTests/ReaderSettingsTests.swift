import WelkomConfig
import XCTest

/// `[[reader]] port`: telling two readers with the same vendor:product apart.
final class ReaderSettingsTests: XCTestCase {
    func testPortPicksOneOfTwoIdenticalReaders() throws {
        let config = try WelkomConfig.parse("""
            [[till]]
            id = "1"

            [[till]]
            id = "2"

            [[reader]]
            kind = "hid-keyboard"
            usb = "05e0:1200"
            port = "1-1.3"
            till = "1"

            [[reader]]
            kind = "hid-keyboard"
            usb = "05e0:1200"
            port = "1-1.4"
            till = "2"
            """, file: "two.toml")
        XCTAssertEqual(config.readers.map(\.port), ["1-1.3", "1-1.4"])
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testBadPortsAreConfigErrors() {
        for (reader, message) in [
            ("kind = \"acr122u\"\nusb = \"072f:2200\"\nport = \"usb1\"",
             "expected a USB port path such as \"1-1.3\""),
            ("kind = \"acr122u\"\nusb = \"072f:2200\"\nport = \"1-1.0\"",
             "expected a USB port path such as \"1-1.3\""),
            ("kind = \"serial\"\npath = \"/dev/ttyACM0\"\nport = \"1-2\"",
             "port applies only to hid-keyboard, hid-pos and acr122u readers"),
        ] {
            XCTAssertThrowsError(try WelkomConfig.parse("[[reader]]\n\(reader)\ntill = \"1\"\n", file: "w.toml")) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }
}
