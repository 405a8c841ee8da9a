import Foundation
import Logging
import WelkomCore
@testable import WelkomCards
import XCTest

/// The whole path of a serial scanner over a real pty pair: bytes in, sightings, counters and
/// log lines out, and a reader that goes away and comes back.
final class SerialScannerSourceTests: XCTestCase {
    private let visaTestPAN = "4111111111111111"

    func testScannerLinesBecomeSightingsAndTheReaderReconnects() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = dir.appendingPathComponent("ttyScanner").path

        let log = LogCapture()
        let clock = FixedClock(date: Date(timeIntervalSince1970: 1_700_000_000))
        let source = SerialScannerSource(path: link, baud: 9600, till: "7", logger: log.logger, clock: clock,
                                         partialTimeout: .milliseconds(300))
        let seen = Sightings()
        let task = Task { try await source.run { seen.append($0) } }

        // The scanner is not plugged in yet: the source says so once and keeps trying.
        let waitedForDevice = await eventually { log.count("card reader cannot be opened; retrying") == 1 }
        XCTAssertTrue(waitedForDevice)

        let first = try PseudoTerminal()
        try first.link(at: link)
        let opened = await eventually { log.count("card reader open") == 1 }
        XCTAssertTrue(opened, "\(log.entries.map(\.text))")

        first.send("8712345678906\r\n")                                 // valid EAN-13, CRLF
        first.send("99317\u{07}x\r")                                     // garbage: a control character
        first.send("871234567")                                          // half a barcode, then silence
        try await Task.sleep(for: .milliseconds(700))
        first.send(";\(visaTestPAN)=25121010000000000000?\n")            // a payment card, track 2
        first.send(String(repeating: "5", count: 300) + "\n")            // an over-long line
        first.send("4006381333931\n")                                    // valid EAN-13, LF

        let arrived = await eventually { seen.all.count == 2 && source.stats.codesRead == 6 }
        XCTAssertTrue(arrived, "sightings \(seen.all.count), stats \(source.stats)")
        XCTAssertEqual(seen.numbers, ["8712345678906", "4006381333931"])
        for sighting in seen.all {
            XCTAssertEqual(sighting.till, "7")
            XCTAssertEqual(sighting.source, .card)
            XCTAssertEqual(sighting.time, clock.date)
        }
        XCTAssertEqual(source.stats, ReaderStats(codesRead: 6, loyalty: 2, invalid: 3, paymentDropped: 1, disconnects: 0))

        // One log line per rejected code, naming the reader and the problem...
        let rejected = log.entries.filter { $0.message == "card reader sent an unusable code" }
        XCTAssertEqual(rejected.map { $0.metadata["problem"]?.description }, [
            "control character at position 6",
            "partial code discarded (no line end within 300 ms)",
            "line longer than 256 bytes discarded as garbage",
        ])
        XCTAssertTrue(rejected.allSatisfy { $0.metadata["reader"]?.description == link })
        // ...and never a code: not the garbage, not the half barcode, not the payment card,
        // not even the loyalty numbers (they may belong to strangers).
        let everything = log.entries.map(\.text).joined(separator: "\n")
        for secret in ["99317", "871234567", "411111", "1111111111", "8712345678906", "4006381333931", "55555"] {
            XCTAssertFalse(everything.contains(secret), "the log holds '\(secret)':\n\(everything)")
        }

        // Unplug: the master closes. The source notices, then finds the replugged scanner at
        // the same path (a new pty behind the same link).
        first.close()
        let gone = await eventually { log.count("card reader gone; reopening") == 1 }
        XCTAssertTrue(gone, "\(log.entries.map(\.text))")
        let second = try PseudoTerminal()
        defer { second.close() }
        try second.link(at: link)
        let reopened = await eventually(seconds: 10) { log.count("card reader open") == 2 }
        XCTAssertTrue(reopened, "\(log.entries.map(\.text))")
        second.send("96385074\r\n")
        let third = await eventually { seen.all.count == 3 }
        XCTAssertTrue(third)
        XCTAssertEqual(seen.numbers.last, "96385074")
        XCTAssertEqual(source.stats.disconnects, 1)
        XCTAssertEqual(source.stats.loyalty, 3)

        // Cancelling stops the source promptly and cleanly.
        task.cancel()
        let stopped = Date()
        try await task.value
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 2)
    }

    func testUnsupportedBaudRateIsAConfigurationError() async {
        let source = SerialScannerSource(path: "/dev/null", baud: 12345, till: "1", logger: LogCapture().logger)
        do {
            try await source.run { _ in }
            XCTFail("run accepted 12345 baud")
        } catch let error as SerialScannerError {
            XCTAssertEqual(error, .unsupportedBaud(12345))
            XCTAssertTrue(error.description.hasPrefix("unsupported baud rate 12345 (supported: 1200, 2400"), error.description)
        } catch {
            XCTFail("unexpected \(error)")
        }
    }

    func testAPathThatIsNotATerminalIsRetriedNotFatal() async throws {
        let log = LogCapture()
        let source = SerialScannerSource(path: "/dev/null", baud: 9600, till: "1", logger: log.logger)
        let task = Task { try await source.run { _ in } }
        let warned = await eventually { log.count("card reader cannot be opened; retrying") == 1 }
        XCTAssertTrue(warned)
        let error = log.entries.first?.metadata["error"]?.description ?? ""
        XCTAssertTrue(error.contains("tcgetattr"), error)
        task.cancel()
        try await task.value
    }

    // MARK: Line splitting

    func testLineEndsAndLimits() {
        var splitter = LineSplitter(limit: 8)
        XCTAssertEqual(splitter.feed(Array("123\r\n45\r67\n\n".utf8)),
                       [.line(Array("123".utf8)), .line(Array("45".utf8)), .line(Array("67".utf8))])
        XCTAssertFalse(splitter.hasPartial)
        // Reported once, as soon as the line crosses the limit; the rest of it is skipped.
        XCTAssertEqual(splitter.feed(Array("123456789abcdef".utf8)), [.tooLong])
        XCTAssertTrue(splitter.hasPartial)
        XCTAssertEqual(splitter.feed(Array("ghi\r8".utf8)), [])
        XCTAssertEqual(splitter.feed(Array("\n".utf8)), [.line(Array("8".utf8))])
        // Exactly the limit is still a line.
        XCTAssertEqual(splitter.feed(Array("12345678\n".utf8)), [.line(Array("12345678".utf8))])
        // A fragment: dropped on request, reported as unreported bytes once.
        XCTAssertEqual(splitter.feed(Array("8712".utf8)), [])
        XCTAssertTrue(splitter.discardPartial())
        XCTAssertFalse(splitter.discardPartial())
        XCTAssertEqual(splitter.feed(Array("99\n".utf8)), [.line(Array("99".utf8))])
    }
}
