import Foundation
import XCTest

/// A fresh directory under the system temp dir, removed by the test's teardown.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("welkom-ledger-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The bytes of the database file and every SQLite companion file that exists next to it.
func databaseFileBytes(_ db: URL) -> [(String, Data)] {
    ["", "-wal", "-shm", "-journal"].compactMap { suffix in
        let path = db.path + suffix
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (path, data)
    }
}

func contains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
    haystack.range(of: Data(needle)) != nil
}
