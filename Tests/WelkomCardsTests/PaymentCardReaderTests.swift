import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers
@testable import WelkomCards
import XCTest

/// Invariant 6 at the readers: a PAN in any framing is dropped — no sighting, no log line, one
/// aggregate count — and only the shop's declared prefixes pass (issue 12, finding 1).
final class PaymentCardReaderTests: XCTestCase {
    /// What the issue found greeted a customer or was classed a loyalty number, and the other framings.
    static let panReads = [
        ";5500005555555559?", "4111 1111 1111 1111", "4111-1111-1111-1111", "5500005555555559",
        ";4111111111111111=2512?", "4111111111111111=2512", "%B4111111111111111^DOE/JANE^2512101?",
        "%B4111111111111111^DOE/JANE^", ";378282246310005", "6011111111111117", "]C03530111333300000",
    ]

    /// The text and bytes paths every USB and evdev reader goes through (`CodeIntake`).
    func testEveryReadersIntakeDropsAndCountsPANsWithoutALogLine() {
        let log = LogCapture()
        let counters = ReaderCounters()
        let intake = CodeIntake(reader: "test", till: "1", counters: counters, logger: log.logger,
                                clock: FixedClock(date: Date(timeIntervalSince1970: 0)))
        for read in Self.panReads {
            XCTAssertNil(intake.text(read), read)
            XCTAssertNil(intake.bytes(Array(read.utf8)), read)
        }
        XCTAssertEqual(counters.snapshot, ReaderStats(codesRead: 2 * Self.panReads.count, paymentDropped: 2 * Self.panReads.count))
        XCTAssertEqual(log.entries.count, 0, "\(log.entries.map(\.text))")
        // An NFC UID is never a PAN, whatever its hex spells.
        XCTAssertNotNil(intake.uid([0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11]))
    }

    func testAnAllowedPrefixPassesAtTheReaderAndNothingElseDoes() throws {
        let exemptions = try XCTUnwrap(PaymentCardExemptions(prefixes: ["6012345"]))
        let counters = ReaderCounters()
        let intake = CodeIntake(reader: "test", till: "1", counters: counters, logger: LogCapture().logger,
                                clock: FixedClock(date: Date(timeIntervalSince1970: 0)), exemptions: exemptions)
        guard case .card(let number)? = intake.text("6012345000000002")?.evidence else { return XCTFail("not read") }
        XCTAssertEqual(number, "6012345000000002")
        XCTAssertNil(intake.text("4111 1111 1111 1111"))
        XCTAssertEqual(counters.snapshot, ReaderStats(codesRead: 2, loyalty: 1, paymentDropped: 1))
    }

    /// A serial scanner over a real pty: every PAN framing dropped and counted, the enrolled-style
    /// loyalty number and the shop's own prefix read, no digit of a PAN in the log.
    func testASerialScannerDropsPANsInEveryFraming() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = dir.appendingPathComponent("ttyScanner").path
        let log = LogCapture()
        let source = SerialScannerSource(path: link, baud: 9600, till: "1", logger: log.logger,
                                         clock: FixedClock(date: Date(timeIntervalSince1970: 0)),
                                         exempting: try XCTUnwrap(PaymentCardExemptions(prefixes: ["6012345"])))
        let seen = Sightings()
        let task = Task { try await source.run { seen.append($0) } }
        let pty = try PseudoTerminal()
        defer { pty.close() }
        try pty.link(at: link)
        let opened = await eventually { log.count("card reader open") == 1 }
        XCTAssertTrue(opened)
        for read in Self.panReads { pty.send(read + "\r\n") }
        pty.send("8712345678906\r\n")
        pty.send("6012345000000002\r\n")
        let total = Self.panReads.count + 2
        let arrived = await eventually { source.stats.codesRead == total }
        XCTAssertTrue(arrived, "\(source.stats)")
        XCTAssertEqual(seen.numbers, ["8712345678906", "6012345000000002"])
        XCTAssertEqual(source.stats, ReaderStats(codesRead: total, loyalty: 2, paymentDropped: Self.panReads.count))
        let everything = log.entries.map(\.text).joined(separator: "\n")
        for secret in ["4111", "5500", "3782", "6011", "3530"] {
            XCTAssertFalse(everything.contains(secret), "the log holds '\(secret)':\n\(everything)")
        }
        task.cancel()
        try await task.value
    }
}
