import Foundation
import XCTest

/// Runs one test of this same test binary again under Tests/Rigs/umockdev_usb_harness.py: a
/// live keyboard-wedge scanner answered through umockdev's GObject ioctl API (a kernel driver to
/// detach, EBUSY, transfer timeouts), where a `.ioctl` replay cannot go (docs/test-rigs.md, umockdev).
/// As with `UMockdevChild`, the child writes its findings to the file named by
/// `UMockdevChild.variable`; the harness writes what it saw on the usbfs side to an events file.
enum USBHarness {
    static let python = "/usr/bin/python3"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Rigs/umockdev_usb_harness.py").path
    /// The keyboard-wedge scanner's usbfs node in Fixtures/card-readers.umockdev (05e0:1200 at 1-3).
    static let scannerNode = "/dev/bus/usb/001/005"
    /// Longest a harness run may take before it is stopped and the test fails.
    static let limit: TimeInterval = 90

    /// One usbfs event the harness saw: its CLOCK_MONOTONIC time and what ("detach usbhid").
    struct Event {
        var time: Double
        var what: String
    }

    struct Outcome {
        var findings: [String: String]
        var events: [Event]

        func count(_ what: String) -> Int { events.filter { $0.what == what }.count }
        func first(_ what: String) -> Event? { events.first { $0.what == what } }

        /// Whether `expected` occur in this order (other events may come between them).
        func inOrder(_ expected: [String]) -> Bool {
            var rest = expected[...]
            for event in events where event.what == rest.first { rest = rest.dropFirst() }
            return rest.isEmpty
        }

        var transcript: String { events.map { "\($0.time) \($0.what)" }.joined(separator: "\n") }
    }

    /// Runs `test` ("Class/testMethod") under the harness with `arguments` (--driver, --type,
    /// --silence, …) and returns the child's findings and the harness's events, failing the
    /// calling test loudly when the rig cannot run.
    static func run(_ test: String, arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("\(python) not found: install Debian's python3, python3-gi and gir1.2-umockdev-1.0", file: file, line: line)
            return Outcome(findings: [:], events: [])
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-usb-harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("findings").path
        let eventsFile = directory.appendingPathComponent("events").path
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")

        let harness = Process()
        harness.executableURL = URL(fileURLWithPath: python)
        harness.arguments = [script, "--device", UMockdevChild.fixture("card-readers.umockdev"), "--node", scannerNode,
                             "--events", eventsFile] + arguments + ["--", me, "WelkomCardsTests.\(test)"]
        var environment = ProcessInfo.processInfo.environment
        environment[UMockdevChild.variable] = out
        harness.environment = environment
        let output = Pipe()
        harness.standardOutput = output
        harness.standardError = output
        try harness.run()
        // A child that hangs (a usbfs call the harness never answers) must fail the test, not the run.
        let watchdog = DispatchWorkItem { if harness.isRunning { harness.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdog)
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        harness.waitUntilExit()
        watchdog.cancel()

        let events = ((try? String(contentsOfFile: eventsFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line -> Event? in
            guard let space = line.firstIndex(of: " "), let time = Double(line[..<space]) else { return nil }
            return Event(time: time, what: String(line[line.index(after: space)...]))
        }
        let outcome = Outcome(findings: [:], events: events)
        XCTAssertEqual(harness.terminationStatus, 0, "the harness or its child failed:\n\(transcript)\nusbfs events:\n\(outcome.transcript)",
                       file: file, line: line)
        XCTAssertFalse(events.contains { $0.what.hasPrefix("harness-error") || $0.what.hasPrefix("unhandled") || $0.what.hasPrefix("submit refused") },
                       "the harness met a usbfs call it does not emulate:\n\(outcome.transcript)", file: file, line: line)
        guard let found = try? String(contentsOfFile: out, encoding: .utf8) else {
            XCTFail("the child wrote nothing:\n\(transcript)\nusbfs events:\n\(outcome.transcript)", file: file, line: line)
            return outcome
        }
        return Outcome(findings: Findings.parse(found), events: events)
    }

    /// CLOCK_MONOTONIC in seconds, the clock the harness stamps its events with.
    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
