import Foundation
import Synchronization
import WelkomCards
import WelkomCore
import XCTest

/// The keyboard-wedge scanner's libusb paths a `.ioctl` replay cannot reach, against a live
/// usbfs emulation (Tests/Rigs/umockdev_usb_harness.py, umockdev's GObject ioctl API): the
/// kernel's usbhid bound to the interface, another program holding it (EBUSY), and interrupt
/// transfers that time out while the scanner is silent. Each test runs twice: in the parent,
/// which starts the harness and checks its usbfs events and the child's findings, and in the
/// child (the same method, started by the harness under umockdev's preload), which runs the real
/// `HIDKeyboardSource`.
final class USBHarnessTests: XCTestCase {
    static let scanner = USBDeviceID(vendor: 0x05E0, product: 0x1200)

    // MARK: 1. usbhid: detach, claim, read, give it back

    func testDetachesUsbhidClaimsReadsAndGivesTheInterfaceBackOnStop() async throws {
        guard UMockdevChild.output != nil else {
            let run = try USBHarness.run("USBHarnessTests/testDetachesUsbhidClaimsReadsAndGivesTheInterfaceBackOnStop",
                                         arguments: ["--driver", "usbhid", "--type", "8712345678906\n"])
            XCTAssertEqual(run.findings["codes"], "8712345678906")
            XCTAssertEqual(run.findings["opened"], "1")
            // The reader asks which driver holds the interface, detaches it before claiming (a
            // claim while usbhid holds it fails with EBUSY in the harness, as in the kernel),
            // reads, and on stop releases the interface and binds usbhid again.
            XCTAssertTrue(run.inOrder(["getdriver usbhid", "detach usbhid", "claim ok", "deliver 1", "release", "attach usbhid"]),
                          run.transcript)
            XCTAssertEqual(run.count("claim EBUSY"), 0, run.transcript)
            XCTAssertEqual(run.count("detach usbhid"), 1, run.transcript)
            XCTAssertEqual(run.count("attach usbhid"), 1, run.transcript)
            XCTAssertEqual(run.count("attach EBUSY"), 0, "re-attached before releasing:\n\(run.transcript)")
            return
        }
        let child = try ChildReader()
        let done = await eventually(seconds: 20) { child.codes.count >= 1 }
        try await child.stop()
        var findings = Findings()
        findings.add("done", done)
        findings.add("codes", child.codes.map(\.number).joined(separator: ","))
        findings.add("opened", child.log.count("card reader open"))
        try findings.write()
    }

    // MARK: 2. The inter-key gap, with real time between reports

    func testACodeWithoutEnterEndsAfterTheGapOnceAndAHalfCodeDoesNotMergeWithTheNext() async throws {
        guard UMockdevChild.output != nil else {
            // 13 digits without Enter (reports 1–26), two seconds of silence, half a code "871"
            // (reports 27–32), a second of silence, then an EAN-8 with Enter (reports 33–50).
            let run = try USBHarness.run("USBHarnessTests/testACodeWithoutEnterEndsAfterTheGapOnceAndAHalfCodeDoesNotMergeWithTheNext",
                                         arguments: ["--driver", "usbhid", "--type", "8712345678906", "--silence", "2.0",
                                                     "--type", "871", "--silence", "1.0", "--type", "96385074\n"])
            // Delivered once each; the half code ended by the gap, as the documented rule says,
            // is classified alone (3 digits: rejected) and never glued onto "96385074".
            XCTAssertEqual(run.findings["codes"], "8712345678906,96385074")
            XCTAssertEqual(run.findings["problems"], "only 3 digits, a card number has at least 4")
            XCTAssertEqual(run.findings["log_has_codes"], "false")
            guard let lastKey = run.first("deliver 26"), let nextKey = run.first("deliver 27"),
                  let endedAt = run.findings["first_at"].flatMap(Double.init) else {
                return XCTFail("missing timings: \(run.findings)\n\(run.transcript)")
            }
            // Ended by the gap: not before 200 ms of silence, and before anything else was typed.
            XCTAssertGreaterThanOrEqual(endedAt - lastKey.time, 0.2, run.transcript)
            XCTAssertLessThan(endedAt, nextKey.time, run.transcript)
            return
        }
        let child = try ChildReader()
        let done = await eventually(seconds: 30) { child.codes.count >= 2 && child.source.stats.invalid >= 1 }
        try await child.stop()
        var findings = Findings()
        findings.add("done", done)
        findings.add("codes", child.codes.map(\.number).joined(separator: ","))
        findings.add("first_at", child.codes.first?.at ?? 0)
        findings.add("problems", child.problems.joined(separator: "|"))
        findings.add("log_has_codes", child.logMentions(["8712345678906", "96385074", "871"]))
        try findings.write()
    }

    // MARK: 3. Interrupt transfers that time out

    func testTransferTimeoutsWhileTheScannerIsSilentNeitherEndNorReopenTheReader() async throws {
        guard UMockdevChild.output != nil else {
            // Three seconds of silence, a code (reports 1–28), two more seconds, another (29–46).
            let run = try USBHarness.run("USBHarnessTests/testTransferTimeoutsWhileTheScannerIsSilentNeitherEndNorReopenTheReader",
                                         arguments: ["--driver", "usbhid", "--silence", "3", "--type", "8712345678906\n",
                                                     "--silence", "2", "--type", "96385074\n"])
            XCTAssertEqual(run.findings["codes"], "8712345678906,96385074")
            XCTAssertEqual(run.findings["opened"], "1")
            XCTAssertEqual(run.findings["gone"], "0")
            XCTAssertEqual(run.findings["disconnects"], "0")
            XCTAssertEqual(run.count("claim ok"), 1, run.transcript)
            // libusb timed the interrupt transfers out and discarded them throughout each silence
            // (50 ms polls: about 60 in 3 s, 40 in 2 s), and the reader kept submitting new ones.
            guard let first = run.first("deliver 1"), let second = run.first("deliver 29"), let lastOfFirst = run.first("deliver 28") else {
                return XCTFail("not every report was delivered:\n\(run.transcript)")
            }
            let discards = run.events.filter { $0.what == "discard" }
            XCTAssertGreaterThanOrEqual(discards.filter { $0.time < first.time }.count, 20, run.transcript)
            XCTAssertGreaterThanOrEqual(discards.filter { $0.time > lastOfFirst.time && $0.time < second.time }.count, 10, run.transcript)
            return
        }
        let child = try ChildReader()
        let done = await eventually(seconds: 30) { child.codes.count >= 2 }
        try await child.stop()
        var findings = Findings()
        findings.add("done", done)
        findings.add("codes", child.codes.map(\.number).joined(separator: ","))
        findings.add("opened", child.log.count("card reader open"))
        findings.add("gone", child.log.count("card reader gone; reopening"))
        findings.add("disconnects", child.source.stats.disconnects)
        try findings.write()
    }

    // MARK: 4. EBUSY: another program holds the interface

    func testAnInterfaceHeldByAnotherProgramIsReportedOnceAndClaimedWhenReleased() async throws {
        guard UMockdevChild.output != nil else {
            // Another usbfs client holds interface 0 for a second after the first open.
            let run = try USBHarness.run("USBHarnessTests/testAnInterfaceHeldByAnotherProgramIsReportedOnceAndClaimedWhenReleased",
                                         arguments: ["--held-for", "1.0", "--type", "8712345678906\n"])
            XCTAssertEqual(run.findings["codes"], "8712345678906")
            XCTAssertEqual(run.findings["refusals"],
                           USBReaderProblem.busy(Self.scanner, interface: 0, driver: nil).description)
            XCTAssertEqual(run.findings["opened"], "1")
            // usbfs is not a kernel driver to detach (libusb refuses to): the reader claims, is
            // told EBUSY, waits and retries until the other program lets go.
            XCTAssertTrue(run.inOrder(["getdriver usbfs", "claim EBUSY", "claim ok", "deliver 1"]), run.transcript)
            XCTAssertEqual(run.count("detach usbfs"), 0, run.transcript)
            XCTAssertEqual(run.events.filter { $0.what.hasPrefix("detach") }.count, 0, run.transcript)
            return
        }
        let child = try ChildReader()
        let done = await eventually(seconds: 20) { child.codes.count >= 1 }
        try await child.stop()
        var findings = Findings()
        findings.add("done", done)
        findings.add("codes", child.codes.map(\.number).joined(separator: ","))
        findings.add("refusals", child.log.entries.filter { $0.message == "card reader cannot be opened; retrying" }
            .compactMap { $0.metadata["error"]?.description }.joined(separator: "|"))
        findings.add("opened", child.log.count("card reader open"))
        try findings.write()
    }
}

/// The child's side: the real `HIDKeyboardSource` for the scanner, run until stopped, with
/// every code it delivered and when (CLOCK_MONOTONIC, to compare with the harness's events).
private final class ChildReader: @unchecked Sendable {
    struct Code {
        var number: String
        var at: Double
    }

    let log = LogCapture()
    let source: HIDKeyboardSource
    private let delivered = Delivered()
    private var task: Task<Void, any Error>?

    /// Codes as they arrive, from the reader's task.
    private final class Delivered: Sendable {
        private let stored = Mutex<[Code]>([])
        func append(_ code: Code) { stored.withLock { $0.append(code) } }
        var all: [Code] { stored.withLock { $0 } }
    }

    init() throws {
        source = HIDKeyboardSource(usb: USBHarnessTests.scanner, layout: .us, till: "4", logger: log.logger,
                                   clock: FixedClock(date: Date(timeIntervalSince1970: 1_700_000_000)))
        task = Task { [source, delivered] in
            try await source.run { sighting in
                let at = USBHarness.monotonic()
                let number = if case .card(let n) = sighting.evidence { n } else { "not a card" }
                delivered.append(Code(number: number, at: at))
                return .notRecognised
            }
        }
    }

    var codes: [Code] { delivered.all }

    var problems: [String] {
        log.entries.filter { $0.message == "card reader sent an unusable code" }.compactMap { $0.metadata["problem"]?.description }
    }

    func logMentions(_ codes: [String]) -> Bool {
        let everything = log.entries.map(\.text).joined(separator: "\n")
        return codes.contains { everything.contains($0) }
    }

    /// Cancels the reader and waits for it: it releases the interface on the way out.
    func stop() async throws {
        task?.cancel()
        try await task?.value
    }
}
