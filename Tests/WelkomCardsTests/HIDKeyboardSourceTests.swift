import Foundation
import WelkomCards
import WelkomCore
import XCTest

/// The keyboard-wedge scanner through the real libusb code, against a umockdev test bed: a Symbol
/// 05e0:1200 boot keyboard whose replayed reports (Fixtures/keyboard-wedge.ioctl, written by
/// make_fixtures.py) type a good EAN-13 + Enter, a bad check digit + Tab, half a code, and then
/// unplug (status −19). The replay loops, so the reopened scanner types it all again.
final class HIDKeyboardSourceTests: XCTestCase {
    func testReadsCodesFromBootReportsAndReopensAfterAnUnplug() async throws {
        guard UMockdevChild.output != nil else {
            let found = Findings.parse(try UMockdevChild.run(
                "HIDKeyboardSourceTests/testReadsCodesFromBootReportsAndReopensAfterAnUnplug",
                arguments: ["--device", UMockdevChild.fixture("card-readers.umockdev"),
                            "--ioctl", "/dev/bus/usb/001/005=" + UMockdevChild.fixture("keyboard-wedge.ioctl")]))
            XCTAssertEqual(found["first"], "8712345678906")
            XCTAssertEqual(found["all_same"], "true")
            XCTAssertEqual(found["till"], "4")
            XCTAssertEqual(found["opened_at"], "1-3")
            XCTAssertEqual(found["reopened"], "true")
            XCTAssertEqual(found["problems"], "EAN-13 check digit is 1, expected 6|partial code discarded (no line end within 0 ms)")
            XCTAssertEqual(found["log_has_codes"], "false")
            XCTAssertEqual(found["stopped_promptly"], "true")
            XCTAssertEqual(found["gone_reasons"], "LIBUSB_ERROR_NO_DEVICE")
            return
        }
        // Inside umockdev-run.
        var findings = Findings()
        let log = LogCapture()
        let source = HIDKeyboardSource(usb: USBDeviceID(vendor: 0x05E0, product: 0x1200), layout: .us, till: "4",
                                       logger: log.logger, clock: FixedClock(date: Date(timeIntervalSince1970: 1_700_000_000)))
        let seen = Sightings()
        let task = Task { try await source.run { seen.append($0); return .notRecognised } }
        let done = await eventually(seconds: 20) { seen.all.count >= 3 && source.stats.disconnects >= 2 }
        task.cancel()
        let cancelled = Date()
        try await task.value
        findings.add("stopped_promptly", Date().timeIntervalSince(cancelled) < 2)
        findings.add("done", done)
        findings.add("first", seen.numbers.first ?? "none")
        findings.add("all_same", Set(seen.numbers).count == 1)
        findings.add("till", seen.all.first?.till ?? "none")
        findings.add("opened_at", log.entries.first { $0.message == "card reader open" }?.metadata["port"]?.description ?? "none")
        findings.add("reopened", log.count("card reader open") >= 2 && log.count("card reader gone; reopening") >= 1)
        let problems = log.entries.filter { $0.message == "card reader sent an unusable code" }
            .compactMap { $0.metadata["problem"]?.description }
        findings.add("problems", Array(problems.prefix(2)).joined(separator: "|"))
        let everything = log.entries.map(\.text).joined(separator: "\n")
        findings.add("log_has_codes", ["8712345678906", "8712345678901", "871234"].contains { everything.contains($0) })
        // Every session ended by the recorded unplug, none by a frame the replay did not expect.
        findings.add("gone_reasons", Set(log.entries.filter { $0.message == "card reader gone; reopening" }
            .compactMap { $0.metadata["error"]?.description }).sorted().joined(separator: ","))
        try findings.write()
    }
}
