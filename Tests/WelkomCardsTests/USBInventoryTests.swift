import Foundation
import WelkomCards
import XCTest

/// libusb enumeration against a umockdev test bed (Fixtures/readers.umockdev): real libusb,
/// real sysfs and usbfs nodes, only the devices are described rather than plugged in.
///
/// umockdev works by preloading into the process it starts, so the test runs this same test
/// binary again under `umockdev-run`, filtered to this one test; in that child the test sees
/// WELKOM_USB_INVENTORY_OUT and writes what `USBInventory.devices()` found.
final class USBInventoryTests: XCTestCase {
    private static let childVariable = "WELKOM_USB_INVENTORY_OUT"

    func testEnumeratesTheMockedReaders() throws {
        if let out = ProcessInfo.processInfo.environment[Self.childVariable] {
            // Inside umockdev-run.
            let lines = try USBInventory.devices().map(\.description)
            try lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
            return
        }

        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/readers.umockdev").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-usb-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        guard let umockdevRun = ["/usr/bin/umockdev-run", "/usr/local/bin/umockdev-run"]
            .first(where: FileManager.default.isExecutableFile(atPath:)) else {
            return XCTFail("umockdev-run not found: install Debian's umockdev (apt-get install -y umockdev)")
        }

        let child = Process()
        child.executableURL = URL(fileURLWithPath: umockdevRun)
        child.arguments = ["--device", fixture, "--", me, "WelkomCardsTests.USBInventoryTests/testEnumeratesTheMockedReaders"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = out
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, transcript)

        let found = (try? String(contentsOfFile: out, encoding: .utf8)) ?? "(nothing written)\n\(transcript)"
        XCTAssertEqual(found.split(separator: "\n").map(String.init), [
            "1d6b:0002 at usb1 (bus 1 address 1)",
            "05e3:0608 at 1-1 (bus 1 address 2)",
            "0c2e:0b61 at 1-1.3 (bus 1 address 4)",
            "072f:2200 at 1-2 (bus 1 address 3)",
        ])
    }

    func testDeviceInfoSpellsIDsAsTheConfigDoes() {
        let scanner = USBDeviceInfo(vendor: 0x0C2E, product: 0x0B61, bus: 3, address: 17, portPath: [1, 4, 2])
        XCTAssertEqual(scanner.id, "0c2e:0b61")
        XCTAssertEqual(scanner.port, "3-1.4.2")
        XCTAssertEqual(USBDeviceInfo(vendor: 0x1D6B, product: 2, bus: 2, address: 1, portPath: []).port, "usb2")
    }

    func testInitialisingTwiceGivesTheSameAnswer() {
        // Whatever this machine has (nothing, here): libusb's context is set up and torn down
        // per call, so a second call sees the same devices or the same clear error.
        let first = Result { try USBInventory.devices() }
        let second = Result { try USBInventory.devices() }
        switch (first, second) {
        case (.success(let a), .success(let b)): XCTAssertEqual(a, b)
        case (.failure(let a), .failure(let b)): XCTAssertEqual("\(a)", "\(b)")
        default: XCTFail("\(first) then \(second)")
        }
    }

    func testInitFailureSaysWhatToCheck() {
        let error = USBError(operation: "init", code: -99, name: "LIBUSB_ERROR_OTHER")
        XCTAssertEqual(error.description, "libusb init failed: LIBUSB_ERROR_OTHER (-99); "
            + "is USB support in this kernel, and /dev/bus/usb present and readable by this user?")
    }
}
