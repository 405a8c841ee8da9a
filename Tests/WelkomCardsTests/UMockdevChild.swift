import Foundation
import XCTest

/// Runs one test of this same test binary again inside `umockdev-run`, where libusb and evdev see
/// the fixture devices (docs/test-rigs.md, umockdev). umockdev works by preloading into the process it
/// starts, hence the second process. In the child, `UMockdevChild.output` names the file the test
/// writes its findings to; the parent reads and checks them.
enum UMockdevChild {
    static let variable = "WELKOM_UMOCKDEV_CHILD_OUT"

    /// The file to write findings to when running inside umockdev-run; nil in the parent.
    static var output: String? { ProcessInfo.processInfo.environment[variable] }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// Runs `test` ("Class/testMethod") under umockdev-run with `arguments` (--device, --ioctl, …)
    /// and returns what the child wrote, failing the calling test loudly when it could not run.
    static func run(_ test: String, arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let umockdevRun = ["/usr/bin/umockdev-run", "/usr/local/bin/umockdev-run"]
            .first(where: FileManager.default.isExecutableFile(atPath:)) else {
            XCTFail("umockdev-run not found: install Debian's umockdev (apt-get install -y umockdev)", file: file, line: line)
            return ""
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-umockdev-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: umockdevRun)
        child.arguments = arguments + ["--", me, "WelkomCardsTests.\(test)"]
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = out
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationStatus, 0, "the child test failed:\n\(transcript)", file: file, line: line)
        guard let found = try? String(contentsOfFile: out, encoding: .utf8) else {
            XCTFail("the child wrote nothing:\n\(transcript)", file: file, line: line)
            return ""
        }
        return found
    }
}

/// What a child test found, as `key=value` lines the parent can check one by one.
struct Findings {
    private(set) var lines: [String] = []
    mutating func add(_ key: String, _ value: Any) { lines.append("\(key)=\(value)") }
    func write() throws {
        guard let out = UMockdevChild.output else { return }
        try lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
    }

    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            result[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return result
    }
}
