import Foundation
import XCTest
@testable import WelkomConfig

/// The repository's root, found from this file so the tests read the shipped config files.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The issue lines `text` gives, or a failure when it parses.
func issueLines(_ text: String, file: String = "w.toml",
                sourceFile: StaticString = #filePath, line: UInt = #line) -> [String] {
    do {
        let config = try WelkomConfig.parse(text, file: file)
        XCTFail("expected a ConfigError, got \(config)", file: sourceFile, line: line)
        return []
    } catch {
        return error.issues.map(\.description)
    }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
