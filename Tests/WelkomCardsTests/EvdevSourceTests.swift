import Foundation
@testable import WelkomCards
import WelkomCore
import WelkomIdentifiers
import XCTest

/// An evdev scanner set to AZERTY, through umockdev's evemu replay (Fixtures/evdev-scanner.events,
/// written by make_fixtures.py): the device is grabbed, a code typed with MSC_SCAN usages and
/// Shift ends with Enter, and a second typed as bare key codes ends with the inter-key gap.
final class EvdevSourceTests: XCTestCase {
    func testGrabsTheDeviceAndDecodesWithTheScannersLayout() async throws {
        guard UMockdevChild.output != nil else {
            let found = Findings.parse(try UMockdevChild.run(
                "EvdevSourceTests/testGrabsTheDeviceAndDecodesWithTheScannersLayout",
                arguments: ["--device", UMockdevChild.fixture("evdev-scanner.umockdev"),
                            "--evemu-events", "/dev/input/event9=" + UMockdevChild.fixture("evdev-scanner.events")]))
            XCTAssertEqual(found["codes"], "5901234123457|96385074")
            XCTAssertEqual(found["till"], "3")
            XCTAssertEqual(found["rejects"], "0")
            return
        }
        var findings = Findings()
        let log = LogCapture()
        // 5901234123457, GS1's example EAN-13, is also a Luhn-valid 13 digits in Maestro's range
        // (59): a shop whose loyalty numbers are such EANs allows its GS1 company prefix.
        let source = EvdevSource(path: "/dev/input/event9", layout: .fr, till: "3", logger: log.logger,
                                 exempting: PaymentCardExemptions(prefixes: ["5901234"])!)
        let seen = Sightings()
        let task = Task { try await source.run { seen.append($0); return .notRecognised } }
        _ = await eventually(seconds: 30) { seen.all.count >= 2 }
        task.cancel()
        try await task.value
        findings.add("codes", seen.numbers.joined(separator: "|"))
        findings.add("till", seen.all.first?.till ?? "none")
        findings.add("rejects", source.stats.invalid)
        try findings.write()
    }
}
