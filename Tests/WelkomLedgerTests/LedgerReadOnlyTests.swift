import Foundation
import WelkomCore
import WelkomLedger
import XCTest

/// A read-only ledger changes nothing in its directory — no -wal, -shm or key file created, no
/// mtime moved — whether the last writer stopped cleanly, was killed, or is still running.
final class LedgerReadOnlyTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_795_975_200)

    /// Name → (size, mtime, bytes) of every file in `dir`, and the directory's own mtime.
    private func state(_ dir: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        let fm = FileManager.default
        let dirInfo = try fm.attributesOfItem(atPath: dir.path)
        result["."] = "\(dirInfo[.modificationDate] as? Date ?? .distantPast)"
        for name in try fm.contentsOfDirectory(atPath: dir.path) {
            let path = dir.appendingPathComponent(name).path
            var info = stat()
            XCTAssertEqual(stat(path, &info), 0)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            result[name] = "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(bytes.hashValue)"
        }
        return result
    }

    private func fill(_ ledger: Ledger, _ n: Int) throws {
        for i in 0..<n {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .acknowledgement, till: "1", prompt: "p\(i)"))
        }
    }

    /// The last connection's close (checkpoint, then the -wal and -shm removed) can trail the
    /// Ledger's release by a moment: the group-commit thread holds the pool until it winds down.
    private func waitForCleanClose(_ dir: URL) {
        let wal = dir.appendingPathComponent("ledger.sqlite-wal").path
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: wal) && Date() < deadline { usleep(10_000) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: wal), "the last close removed the log")
    }

    func testAfterACleanStopNothingIsCreatedOrTouched() throws {
        let dir = try makeTemporaryDirectory(self)
        do {
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 5)
            _ = try ledger.writeCheckpoint(at: t0)
        }
        waitForCleanClose(dir)
        let before = try state(dir)
        do {
            let ledger = try Ledger(dataDirectory: dir, readOnly: true)
            guard case .intact(5, _, 1) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
            XCTAssertEqual(try ledger.entries().count, 5)
            XCTAssertThrowsError(try ledger.writeCheckpoint(at: t0))
        }
        XCTAssertEqual(try state(dir), before)
    }

    /// A writer killed mid-burst leaves commits only in the -wal; a read-only open reads them
    /// through the -shm without writing to either.
    func testBesideALiveWriterItReadsEveryCommitAndWritesNothing() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try Ledger(dataDirectory: dir)
        try fill(writer, 5)
        let walPath = dir.appendingPathComponent("ledger.sqlite-wal").path
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: walPath)[.size] as? Int) ?? 0, 0)
        let before = try state(dir)
        let reader = try Ledger(dataDirectory: dir, readOnly: true)
        XCTAssertEqual(try reader.count(), 5)
        XCTAssertEqual(try state(dir), before, "reading wrote nothing, not even the -shm")
        try fill(writer, 3)
        XCTAssertEqual(try reader.count(), 8, "a later read sees the writer's new commits")
        guard case .intact(8, _, 0) = try reader.verify() else { return XCTFail("\(try reader.verify())") }
    }

    /// Opened without locks (nothing to read in a log), a ledger whose writer starts meanwhile
    /// could be checkpointed under a read: the read says so instead of answering. The writer is
    /// stood in for by the two files it creates: a real one belongs in another process, since
    /// SQLite shares its locks among the connections of one process.
    func testAWriterStartingDuringALockFreeReadIsReported() throws {
        let dir = try makeTemporaryDirectory(self)
        do { try fill(try Ledger(dataDirectory: dir), 3) }
        waitForCleanClose(dir)
        let reader = try Ledger(dataDirectory: dir, readOnly: true)
        XCTAssertEqual(try reader.count(), 3)
        let wal = dir.appendingPathComponent("ledger.sqlite-wal").path
        XCTAssertTrue(FileManager.default.createFile(atPath: wal, contents: nil))
        XCTAssertEqual(try reader.count(), 3, "an empty log alone is no writer")
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.appendingPathComponent("ledger.sqlite-shm").path, contents: nil))
        XCTAssertThrowsError(try reader.count()) { error in
            XCTAssertTrue(String(describing: error).contains("run the command again"), "\(error)")
        }
    }

    func testALogWithoutItsIndexIsRefusedAndLeftAlone() throws {
        let dir = try makeTemporaryDirectory(self)
        let writer = try Ledger(dataDirectory: dir)
        try fill(writer, 2)
        // A copy of a running agent's directory that missed the -shm: reading the log would
        // mean creating one.
        let copy = try makeTemporaryDirectory(self)
        for name in ["ledger.sqlite", "ledger.sqlite-wal"] {
            try FileManager.default.copyItem(at: dir.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        let before = try state(copy)
        XCTAssertThrowsError(try Ledger(dataDirectory: copy, readOnly: true)) { error in
            XCTAssertTrue(String(describing: error).contains("ledger.sqlite-shm is missing"), "\(error)")
        }
        XCTAssertEqual(try state(copy), before)
    }
}
