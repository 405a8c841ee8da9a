import Foundation
@testable import WelkomCards
import WelkomCore
import WelkomIdentifiers
import XCTest

/// The HID-POS scanner through the real libusb code against umockdev (Fixtures/hid-pos.ioctl):
/// an EAN-13 with its AIM identifier, a Code 128 text spread over two reports, a payment card's
/// track 2, a report whose length field lies, then an unplug.
final class HIDPOSSourceTests: XCTestCase {
    func testScannedDataReportsBecomeCodesAndGarbageIsRejected() async throws {
        guard UMockdevChild.output != nil else {
            let found = Findings.parse(try UMockdevChild.run(
                "HIDPOSSourceTests/testScannedDataReportsBecomeCodesAndGarbageIsRejected",
                arguments: ["--device", UMockdevChild.fixture("card-readers.umockdev"),
                            "--ioctl", "/dev/bus/usb/001/006=" + UMockdevChild.fixture("hid-pos.ioctl")]))
            XCTAssertEqual(found["first_two"], "8712345678906|1234567890123456789012345")
            XCTAssertEqual(found["payment_dropped"], "true")
            XCTAssertEqual(found["problem"], "malformed reader report: HID-POS data length 200 exceeds the 64-byte report")
            XCTAssertEqual(found["reopened"], "true")
            XCTAssertEqual(found["log_has_codes"], "false")
            XCTAssertEqual(found["gone_reasons"], "LIBUSB_ERROR_NO_DEVICE")
            return
        }
        var findings = Findings()
        let log = LogCapture()
        let source = HIDPOSSource(usb: USBDeviceID(vendor: 0x0C2E, product: 0x0B6A), till: "2", logger: log.logger,
                                  clock: FixedClock(date: Date(timeIntervalSince1970: 1_700_000_000)))
        let seen = Sightings()
        let task = Task { try await source.run { seen.append($0); return .notRecognised } }
        _ = await eventually(seconds: 20) { seen.all.count >= 4 && source.stats.disconnects >= 2 }
        task.cancel()
        try await task.value
        findings.add("first_two", seen.numbers.prefix(2).joined(separator: "|"))
        findings.add("payment_dropped", source.stats.paymentDropped >= 1 && !seen.numbers.contains { $0.hasPrefix("4111") })
        findings.add("problem", log.entries.first { $0.message == "card reader sent an unusable code" }?
            .metadata["problem"]?.description ?? "none")
        findings.add("reopened", log.count("card reader open") >= 2)
        let everything = log.entries.map(\.text).joined(separator: "\n")
        findings.add("log_has_codes", ["8712345678906", "4111111111111111", "MEMBER", "123456789"].contains { everything.contains($0) })
        // Every session ended by the recorded unplug, none by a frame the replay did not expect.
        findings.add("gone_reasons", Set(log.entries.filter { $0.message == "card reader gone; reopening" }
            .compactMap { $0.metadata["error"]?.description }).sorted().joined(separator: ","))
        try findings.write()
    }

    func testReportLayout() throws {
        var report = [UInt8](repeating: 0, count: 64)
        report[0] = 0x02; report[1] = 3; report[2] = 0x5D; report[3] = 0x51; report[4] = 0x31
        report[5] = 0x41; report[6] = 0x42; report[7] = 0x43; report[63] = 1
        XCTAssertEqual(try HIDPOSReport.parse(report),
                       HIDPOSReport(symbology: Array("]Q1".utf8), data: Array("ABC".utf8), continues: true))
        report[0] = 0x04
        XCTAssertNil(try HIDPOSReport.parse(report), "a status report is not scanned data")
        XCTAssertThrowsError(try HIDPOSReport.parse([0x02, 1, 0]))
        // Continued reports join; the AIM identifier of the first leads, so "]E0" still demands an EAN.
        var assembler = HIDPOSAssembler()
        var first = [UInt8](repeating: 0, count: 64)
        first[0] = 2; first[1] = 4; first[2] = 0x5D; first[3] = 0x45; first[4] = 0x30
        first.replaceSubrange(5..<9, with: Array("8712".utf8)); first[63] = 1
        var second = [UInt8](repeating: 0, count: 64)
        second[0] = 2; second[1] = 9; second.replaceSubrange(5..<14, with: Array("345678901".utf8))
        XCTAssertNil(assembler.feed(first))
        XCTAssertTrue(assembler.hasPartial)
        guard case .code(let code)? = assembler.feed(second) else { return XCTFail("no code") }
        XCTAssertEqual(CardNumber.classify(line: code), .invalid(.checkDigit(symbology: .ean13, found: 1, expected: 6)))
        XCTAssertFalse(assembler.hasPartial)
    }
}
