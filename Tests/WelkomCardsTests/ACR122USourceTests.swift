import Foundation
@testable import WelkomCards
import WelkomCore
import XCTest

/// The ACR122U through the real libusb code against umockdev (Fixtures/acr122u.ioctl): CCID power
/// on, Get Data (UID) polls — no card, a 4-byte UID, the same card still there, taken away, a
/// 7-byte UID, a 5-byte UID (no valid size) — with the LED/buzzer command after each verdict, then
/// an unplug. umockdev answers only the exact OUT bytes recorded, so every frame, sequence number
/// and feedback command the reader sends is checked by the replay itself.
final class ACR122USourceTests: XCTestCase {
    func testReadsUIDsOnceEachAndSignalsTheVerdict() async throws {
        guard UMockdevChild.output != nil else {
            let found = Findings.parse(try UMockdevChild.run(
                "ACR122USourceTests/testReadsUIDsOnceEachAndSignalsTheVerdict",
                arguments: ["--device", UMockdevChild.fixture("card-readers.umockdev"),
                            "--ioctl", "/dev/bus/usb/001/003=" + UMockdevChild.fixture("acr122u.ioctl")]))
            XCTAssertEqual(found["first_session"], "uid:04a1b2c3|uid:04112233445566")
            XCTAssertEqual(found["problem"], "NFC UID of 5 bytes (expected 4, 7 or 10)")
            XCTAssertEqual(found["reopened"], "true")
            XCTAssertEqual(found["protocol_errors"], "0")
            XCTAssertEqual(found["gone_reasons"], "LIBUSB_ERROR_NO_DEVICE")
            return
        }
        var findings = Findings()
        let log = LogCapture()
        let source = ACR122USource(till: "1", logger: log.logger, pollInterval: .milliseconds(1))
        let seen = Sightings()
        // The first card of every session is a customer, the second a stranger: the fixture
        // expects the green signal after the first and the red after the second.
        let task = Task {
            try await source.run { sighting in
                seen.append(sighting)
                return seen.all.count % 2 == 1 ? .recognised : .notRecognised
            }
        }
        _ = await eventually(seconds: 20) { seen.all.count >= 4 && source.stats.disconnects >= 2 }
        task.cancel()
        try await task.value
        findings.add("first_session", seen.numbers.prefix(2).joined(separator: "|"))
        let problems = log.entries.filter { $0.message == "card reader sent an unusable code" }
            .compactMap { $0.metadata["problem"]?.description }
        findings.add("problem", problems.first ?? "none")
        findings.add("protocol_errors", problems.filter { $0.contains("CCID") }.count)
        findings.add("reopened", log.count("card reader open") >= 2 && seen.numbers.count >= 4
                     && seen.numbers[2] == "uid:04a1b2c3")
        // Every session ended by the recorded unplug, none by a frame the replay did not expect.
        findings.add("gone_reasons", Set(log.entries.filter { $0.message == "card reader gone; reopening" }
            .compactMap { $0.metadata["error"]?.description }).sorted().joined(separator: ","))
        try findings.write()
    }

    func testCCIDFramesAndAnswers() throws {
        XCTAssertEqual(CCIDMessage.xfrBlock(sequence: 7, apdu: ACR122USource.getUID),
                       [0x6F, 5, 0, 0, 0, 0, 7, 0, 0, 0, 0xFF, 0xCA, 0, 0, 0])
        XCTAssertEqual(try CCIDMessage.parseDataBlock([0x80, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0x63, 0x00], sequence: 3),
                       .data([0x63, 0x00]))
        XCTAssertEqual(try CCIDMessage.parseDataBlock([0x80, 0, 0, 0, 0, 0, 3, 0x42, 0xFE, 0], sequence: 3), .noCard)
        XCTAssertThrowsError(try CCIDMessage.parseDataBlock([0x80, 2, 0, 0, 0, 0, 4, 0, 0, 0, 0x90, 0], sequence: 3))
        XCTAssertThrowsError(try CCIDMessage.parseDataBlock([0x80, 9, 0, 0, 0, 0, 3, 0, 0, 0, 0x90, 0], sequence: 3))
        XCTAssertThrowsError(try CCIDMessage.parseDataBlock([0x81, 0, 0], sequence: 3))
    }
}
