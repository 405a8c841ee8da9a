import Foundation
import GRDB
import WelkomCore
import WelkomLedger
import XCTest

final class LedgerTests: XCTestCase {
    /// 2026-11-29T18:00:00.123Z
    let t0 = Date(timeIntervalSince1970: 1_795_975_200.123)

    private func ledgerFile(_ dir: URL) -> URL { dir.appendingPathComponent("ledger.sqlite") }

    /// Raw SQL on the ledger file through a separate connection, as a tamperer would.
    private func tamper(_ dir: URL, _ sql: String) throws {
        let raw = try DatabaseQueue(path: ledgerFile(dir).path)
        try raw.write { try $0.execute(sql: sql) }
        try raw.close()
    }

    private func fill(_ ledger: Ledger, _ n: Int) throws {
        for i in 1...n {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .recognition,
                                          customer: "c\(i)", scheme: .wlk1, till: "\(i % 3)",
                                          prompt: "p-\(i)", detail: "scopes=greeting"))
        }
    }

    func testAppendVerifyExportRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        XCTAssertEqual(try ledger.verify(), .intact(entries: 0, head: String(repeating: "0", count: 64)))

        let e1 = try ledger.append(LedgerDraft(time: t0, kind: .recognition, customer: "c1", scheme: .wlk1,
                                               till: "1", prompt: "greeting-1", detail: "scopes=greeting,name"))
        let e2 = try ledger.append(LedgerDraft(time: t0.addingTimeInterval(2.5), kind: .acknowledgement,
                                               till: "1", prompt: "greeting-1"))
        let e3 = try ledger.append(LedgerDraft(time: t0.addingTimeInterval(60), kind: .consentGiven,
                                               customer: "c\"2\\", detail: "line\nbreak\u{01}"))

        XCTAssertEqual([e1.seq, e2.seq, e3.seq], [1, 2, 3])
        XCTAssertEqual(e1.customer, "c1")
        XCTAssertEqual(e1.time, LedgerTime.date(milliseconds: 1_795_975_200_123))
        XCTAssertEqual(e1.hash.count, 64)
        XCTAssertEqual(try ledger.entries(), [e1, e2, e3])
        XCTAssertEqual(try ledger.entries(after: 1, limit: 1), [e2])
        XCTAssertEqual(try ledger.entries(after: 3), [])
        XCTAssertEqual(try ledger.count(), 3)
        XCTAssertEqual(try ledger.verify(), .intact(entries: 3, head: e3.hash))

        var lines: [String] = []
        try ledger.exportJSONLines { lines.append($0) }
        XCTAssertEqual(lines, [
            #"{"seq":1,"time":"2026-11-29T18:00:00.123Z","kind":"recognition","customer":"c1","scheme":"wlk1","till":"1","prompt":"greeting-1","detail":"scopes=greeting,name","hash":"\#(e1.hash)"}"#,
            #"{"seq":2,"time":"2026-11-29T18:00:02.623Z","kind":"acknowledgement","customer":null,"scheme":null,"till":"1","prompt":"greeting-1","detail":null,"hash":"\#(e2.hash)"}"#,
            #"{"seq":3,"time":"2026-11-29T18:01:00.123Z","kind":"consent_given","customer":"c\"2\\","scheme":null,"till":null,"prompt":null,"detail":"line\nbreak\u0001","hash":"\#(e3.hash)"}"#,
        ])
        // Each line is valid JSON and says what the entry says.
        let parsed = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["customer"] as? String, "c\"2\\")
        XCTAssertEqual(parsed?["detail"] as? String, "line\nbreak\u{01}")
        XCTAssertEqual(LedgerJSONLine.encode(e1), lines[0])

        // Survives closing and reopening; the chain continues where it was.
        let reopened = try Ledger(dataDirectory: dir)
        let e4 = try reopened.append(LedgerDraft(time: t0, kind: .purge, detail: "older than 30 days: 0"))
        XCTAssertEqual(e4.seq, 4)
        XCTAssertEqual(try reopened.verify(), .intact(entries: 4, head: e4.hash))
    }

    func testTamperingWithAStoredColumnNamesTheEntry() throws {
        let cases: [(String, String)] = [
            ("UPDATE entry SET time_ms = time_ms + 1 WHERE seq = 3", "hash"),
            ("UPDATE entry SET kind = 'acknowledgement' WHERE seq = 3", "hash"),
            ("UPDATE entry SET kind = 'made_up' WHERE seq = 3", "unknown kind"),
            ("UPDATE entry SET customer = 'c9' WHERE seq = 3", "commitment"),
            ("UPDATE entry SET till = '7' WHERE seq = 3", "hash"),
            ("UPDATE entry SET till = NULL WHERE seq = 3", "hash"),
            ("UPDATE entry SET prompt = 'p-other' WHERE seq = 3", "hash"),
            ("UPDATE entry SET hash = zeroblob(32) WHERE seq = 3", "hash"),
            ("UPDATE entry SET customer_commitment = zeroblob(32), customer = NULL, salt = NULL WHERE seq = 3", "hash"),
            // SQLite reads a text in an INTEGER column as 0: a changed time all the same.
            ("UPDATE entry SET time_ms = 'yesterday' WHERE seq = 3", "hash"),
            ("UPDATE entry SET scheme = 'bluetooth' WHERE seq = 3", "unknown scheme"),
            ("UPDATE entry SET seq = 30 WHERE seq = 3", "missing"),
            ("DELETE FROM entry WHERE seq = 3", "missing"),
        ]
        for (sql, reason) in cases {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 5)
            XCTAssertEqual(try ledger.verify(), .intact(entries: 5, head: try ledger.entries().last?.hash ?? ""))
            try tamper(dir, sql)
            guard case let .broken(seq, why) = try ledger.verify() else {
                XCTFail("not detected: \(sql)")
                continue
            }
            XCTAssertEqual(seq, 3, sql)
            XCTAssertTrue(why.contains(reason), "\(sql): \(why)")
        }
    }

    func testUnlinkKeepsTheChainAndErasesTheCustomerFromTheFiles() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let anna = "anna-7f3a9b2e-erase-me", bert = "bert-5c0d11aa-keep-me"
        for i in 0..<40 {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .recognition,
                                          customer: i % 2 == 0 ? anna : bert, scheme: .card, till: "1",
                                          prompt: "p-\(i)"))
        }
        let before = try ledger.entries()
        let annaBytes = Array(anna.utf8)
        XCTAssertTrue(databaseFileBytes(ledgerFile(dir)).contains { contains($0.1, annaBytes) },
                      "the customer should be on disk before the erasure")

        XCTAssertEqual(try ledger.unlink(customer: anna), 20)

        let after = try ledger.entries()
        XCTAssertEqual(after.filter { $0.customer == anna }.count, 0)
        XCTAssertEqual(after.filter { $0.customer == bert }.count, 20)
        XCTAssertEqual(after.map(\.hash), before.map(\.hash))
        XCTAssertEqual(try ledger.verify(), .intact(entries: 40, head: before.last?.hash ?? ""))
        for (path, data) in databaseFileBytes(ledgerFile(dir)) {
            XCTAssertFalse(contains(data, annaBytes), "\(anna) still in \(path)")
        }
        XCTAssertTrue(databaseFileBytes(ledgerFile(dir)).contains { contains($0.1, Array(bert.utf8)) })
        var lines: [String] = []
        try ledger.exportJSONLines { lines.append($0) }
        XCTAssertTrue(lines[0].contains(#""customer":null"#))
        XCTAssertFalse(lines.joined().contains(anna))

        // Again: nothing left to unlink; the chain goes on.
        XCTAssertEqual(try ledger.unlink(customer: anna), 0)
        let next = try ledger.append(LedgerDraft(time: t0, kind: .consentWithdrawn))
        XCTAssertEqual(try ledger.verify(), .intact(entries: 41, head: next.hash))
    }

    func testAppendOnAReadOnlyLedgerThrowsAndAppendsNothing() throws {
        let dir = try makeTemporaryDirectory(self)
        do {
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 2)
        }
        let readOnly = try Ledger(dataDirectory: dir, readOnly: true)
        XCTAssertEqual(try readOnly.count(), 2)
        XCTAssertThrowsError(try readOnly.append(LedgerDraft(time: t0, kind: .purge))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(self.ledgerFile(dir).path), text)
            XCTAssertTrue(text.contains("append"), text)
            XCTAssertTrue(text.lowercased().contains("readonly"), text)
        }
        XCTAssertEqual(try readOnly.count(), 2)
        XCTAssertEqual(try readOnly.verify(), .intact(entries: 2, head: try readOnly.entries().last?.hash ?? ""))
        XCTAssertEqual(try Ledger(dataDirectory: dir).count(), 2)
    }

    func testReadOnlyOpenOfAMissingLedgerSaysWhere() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try Ledger(dataDirectory: dir, readOnly: true)) { error in
            XCTAssertTrue(String(describing: error).contains(self.ledgerFile(dir).path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledgerFile(dir).path))
    }

    /// A write that fails inside the transaction (here a trigger standing in for a full disk)
    /// leaves no half entry and no used-up sequence number.
    func testFailedAppendLeavesNothingBehind() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        try fill(ledger, 2)
        try tamper(dir, "CREATE TRIGGER fail_after_insert AFTER INSERT ON entry BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
        XCTAssertThrowsError(try ledger.append(LedgerDraft(time: t0, kind: .purge))) { error in
            XCTAssertTrue(String(describing: error).contains(self.ledgerFile(dir).path))
            XCTAssertTrue(String(describing: error).contains("simulated failure"))
        }
        XCTAssertEqual(try ledger.count(), 2)
        try tamper(dir, "DROP TRIGGER fail_after_insert")
        let e = try ledger.append(LedgerDraft(time: t0, kind: .purge))
        XCTAssertEqual(e.seq, 3)
        XCTAssertEqual(try ledger.verify(), .intact(entries: 3, head: e.hash))
    }

    func testEmptyCustomerIDIsRefused() throws {
        let ledger = try Ledger(dataDirectory: try makeTemporaryDirectory(self))
        XCTAssertThrowsError(try ledger.append(LedgerDraft(time: t0, kind: .recognition, customer: "")))
        XCTAssertEqual(try ledger.count(), 0)
    }

    /// Two Ledger instances stand for the agent and the CLI: separate SQLite connections that
    /// only SQLite's file locks keep apart.
    func testConcurrentAppendsFromTwoOpenersSerialise() throws {
        let dir = try makeTemporaryDirectory(self)
        let agent = try Ledger(dataDirectory: dir)
        let cli = try Ledger(dataDirectory: dir)
        let t0 = self.t0
        DispatchQueue.concurrentPerform(iterations: 80) { i in
            let ledger = i % 2 == 0 ? agent : cli
            _ = try? ledger.append(LedgerDraft(time: t0, kind: .recognition, customer: "c\(i)", scheme: .wlk1))
        }
        let entries = try agent.entries()
        XCTAssertEqual(entries.map(\.seq), Array(1...80))
        XCTAssertEqual(Set(entries.compactMap(\.customer)).count, 80)
        XCTAssertEqual(try cli.verify(), .intact(entries: 80, head: entries.last?.hash ?? ""))
    }

    func testFilesArePrivate() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("data")
        _ = try Ledger(dataDirectory: dir)
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: ledgerFile(dir).path)[.posixPermissions] as? Int
        XCTAssertEqual(dirMode, 0o700)
        XCTAssertEqual(fileMode, 0o600)
    }
}
