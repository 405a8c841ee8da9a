import WelkomCards
import XCTest

/// The advice a reader that cannot be opened gets, the same in the agent's log and in
/// `welkom doctor` (which the e2e tests run against umockdev).
final class USBReaderProblemTests: XCTestCase {
    let acr = USBDeviceID(vendor: 0x072F, product: 0x2200)

    func testPermissionDeniedNamesTheUdevRule() {
        XCTAssertEqual(USBReaderProblem.permissionDenied(acr, node: "/dev/bus/usb/001/003").description,
                       "permission denied opening 072f:2200 (/dev/bus/usb/001/003): install "
                       + "hardware/udev/70-welkom-card-readers.rules into /etc/udev/rules.d/, run "
                       + "`udevadm control --reload && udevadm trigger`, and replug the reader")
    }

    func testBusySaysWhatToBlacklistOrDetach() {
        XCTAssertEqual(USBReaderProblem.busy(acr, interface: 0, driver: "pn533_usb").description,
                       "interface 0 of 072f:2200 is held by the kernel driver pn533_usb and could not be detached: "
                       + "blacklist it (install hardware/modprobe.d/welkom-blacklist-pn533.conf into /etc/modprobe.d/, "
                       + "then `modprobe -r pn533_usb pn533`)")
        XCTAssertTrue(USBReaderProblem.busy(acr, interface: 1, driver: "usbhid").description
            .contains("echo -n <interface> > /sys/bus/usb/drivers/usbhid/unbind"))
        XCTAssertTrue(USBReaderProblem.busy(acr, interface: 0, driver: nil).description
            .hasPrefix("interface 0 of 072f:2200 is claimed by another program"))
    }

    func testTheFilesItNamesExist() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for file in [USBReaderProblem.udevRules, USBReaderProblem.pn533Blacklist] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path), file)
        }
    }
}
