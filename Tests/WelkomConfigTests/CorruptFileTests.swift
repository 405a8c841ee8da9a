import Foundation
import XCTest
@testable import WelkomConfig

/// A file that is not a config at all gives one clear line, never a crash.
final class CorruptFileTests: XCTestCase {
    private func loadIssues(_ bytes: [UInt8], name: String = "bad.toml") throws -> [ConfigIssue] {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        do {
            _ = try WelkomConfig.load(path: url.path)
            XCTFail("expected a ConfigError")
            return []
        } catch {
            XCTAssertTrue(error.issues.allSatisfy { $0.file == url.path })
            return error.issues
        }
    }

    func testBinaryGarbage() throws {
        // A deterministic stream of every byte value, like a binary mistaken for the config.
        var state: UInt32 = 0x2545_F491
        let garbage: [UInt8] = (0..<4096).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
        let issues = try loadIssues(garbage)
        XCTAssertEqual(issues.count, 1)
        XCTAssertEqual(issues.first?.line, 1)
        XCTAssertTrue(issues.first?.message.hasPrefix("not UTF-8 text") ?? false, "\(issues)")
    }

    func testBinaryGarbageOfEachKindNeverCrashes() throws {
        // ELF header, gzip header, UTF-16 text: each is refused with a message.
        let samples: [[UInt8]] = [
            [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 56),
            [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03],
            Array("[data]\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
        ]
        for sample in samples {
            let issues = try loadIssues(sample)
            XCTAssertEqual(issues.count, 1, "\(issues)")
            XCTAssertNotNil(issues.first?.line)
        }
    }

    func testNULByteInOtherwiseValidText() throws {
        // toml++ would stop reading at the NUL and silently take the rest as absent.
        let issues = try loadIssues(Array("[recognition]\nenabled = false\u{0}\nenabled = true\n".utf8))
        XCTAssertEqual(issues.map(\.description).first?.hasSuffix(":2: contains a NUL byte: this is not a text file (is it the right file?)"), true, "\(issues)")
    }

    func testInvalidUTF8OnALaterLine() throws {
        let issues = try loadIssues(Array("[till_display]\nlisten = \"127.0.0.1:8080\"\n# caf".utf8) + [0xE9, 0x0A])
        XCTAssertEqual(issues.count, 1)
        XCTAssertEqual(issues.first?.line, 3)
        XCTAssertEqual(issues.first?.message, "not UTF-8 text (invalid byte at column 6): is it the right file?")
    }

    func testTruncatedFiles() throws {
        let full = try String(contentsOf: repositoryRoot.appendingPathComponent("config/examples/store.toml"), encoding: .utf8)
        let bytes = Array(full.utf8)
        // Cut the file at every byte: each prefix either parses or gives located issues.
        var refused = 0
        for cut in 0...bytes.count {
            let text = String(decoding: bytes[0..<cut], as: UTF8.self)
            do {
                _ = try WelkomConfig.parse(text, file: "cut.toml")
            } catch {
                refused += 1
                XCTAssertFalse(error.issues.isEmpty)
                for issue in error.issues {
                    XCTAssertEqual(issue.file, "cut.toml")
                    XCTAssertNotNil(issue.line, "\(cut): \(issue)")
                    XCTAssertFalse(issue.message.isEmpty)
                }
            }
        }
        XCTAssertGreaterThan(refused, bytes.count / 2)
    }

    func testTruncatedInsideAString() throws {
        let issues = try loadIssues(Array("[recognition]\nenabled = true\ndpia_reference = \"DPIA-20".utf8))
        XCTAssertEqual(issues.count, 1)
        XCTAssertEqual(issues.first?.line, 3)
        XCTAssertEqual(issues.first?.key, "recognition.dpia_reference")
        XCTAssertTrue(issues.first?.message.hasPrefix("not valid TOML: ") ?? false)
    }

    func testMissingFileNamesTheFile() {
        do {
            _ = try WelkomConfig.load(path: "/nonexistent/welkom.toml")
            XCTFail("expected a ConfigError")
        } catch {
            XCTAssertEqual(error.description, "/nonexistent/welkom.toml: cannot open: No such file or directory")
        }
    }

    func testDirectoryInsteadOfFile() throws {
        let dir = try temporaryDirectory(self)
        do {
            _ = try WelkomConfig.load(path: dir.path)
            XCTFail("expected a ConfigError")
        } catch {
            XCTAssertEqual(error.description, "\(dir.path): cannot read: Is a directory")
        }
    }

    func testEndlessDeviceIsRefusedNotReadForever() {
        do {
            _ = try WelkomConfig.load(path: "/dev/zero")
            XCTFail("expected a ConfigError")
        } catch {
            XCTAssertEqual(error.description, "/dev/zero: larger than 1024 KiB: this is not a config file (is it the right file?)")
        }
    }

    func testDeeplyNestedAndHugeValues() {
        // Nesting deeper than toml++ allows, and an integer beyond 64 bits.
        XCTAssertEqual(issueLines("x = " + String(repeating: "[", count: 5000)).count, 1)
        XCTAssertEqual(issueLines("[ledger]\nretention_days = 99999999999999999999999\n").first?.hasPrefix("w.toml:2: ledger.retention_days: not valid TOML"), true)
    }
}
