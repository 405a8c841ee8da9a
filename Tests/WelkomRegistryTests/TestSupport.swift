import Foundation
import WelkomCore
import XCTest

/// A fresh directory under the system temp dir, removed by the test's teardown.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("welkom-registry-test-\(UUID().uuidString)")
    // 0700, as every data directory must be (issue 12, finding 4).
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
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

func anyFile(_ files: [(String, Data)], contains needle: [UInt8]) -> String? {
    files.first { $0.1.range(of: Data(needle)) != nil }?.0
}

/// A clock that says what the test tells it.
struct FixedClock: WelkomClock {
    var date: Date
    func now() -> Date { date }
}
