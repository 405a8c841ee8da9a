import Foundation
import GRDB
import WelkomCore
import WelkomLedger
import XCTest

final class LedgerTests: XCTestCase {
    /// 2026-11-29T18:00:00.123Z
    let t0 = Date(timeIntervalSince1970: 1_795_975_200.123)

    func testAppendVerifyExportRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        XCTAssertEqual(try ledger.verify(), .intact(entries: 0, root: Hex.encode(MerkleTree.emptyRoot), checkpoints: 0))

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
        // The root is RFC 9162's MTH over the stored leaf hashes.
        let root = MerkleTree.root(leafHashes: [e1, e2, e3].map { Hex.decode($0.hash)! })
        XCTAssertEqual(try ledger.verify(), .intact(entries: 3, root: Hex.encode(root), checkpoints: 0))
        XCTAssertEqual(try ledger.treeHead().root, root)

        var lines: [String] = []
        try ledger.exportJSONLines { lines.append($0) }
        XCTAssertEqual(lines, [
            #"{"seq":1,"time":"2026-11-29T18:00:00.123Z","kind":"recognition","customer":"c1","scheme":"wlk1","till":"1","prompt":"greeting-1","detail":"scopes=greeting,name","hash":"\#(e1.hash)","record":"kept","receipt":null}"#,
            #"{"seq":2,"time":"2026-11-29T18:00:02.623Z","kind":"acknowledgement","customer":null,"scheme":null,"till":"1","prompt":"greeting-1","detail":null,"hash":"\#(e2.hash)","record":"kept","receipt":null}"#,
            #"{"seq":3,"time":"2026-11-29T18:01:00.123Z","kind":"consent_given","customer":"c\"2\\","scheme":null,"till":null,"prompt":null,"detail":"line\nbreak\u0001","hash":"\#(e3.hash)","record":"kept","receipt":null}"#,
        ])
        let parsed = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["customer"] as? String, "c\"2\\")
        XCTAssertEqual(parsed?["detail"] as? String, "line\nbreak\u{01}")

        var csv: [String] = []
        try ledger.exportCSV { csv.append($0) }
        XCTAssertEqual(csv[0], "seq,time,kind,customer,scheme,till,prompt,detail,hash,record")
        XCTAssertEqual(csv[3], "3,2026-11-29T18:01:00.123Z,consent_given,\"c\"\"2\\\",,,,\"line\nbreak\u{01}\",\(e3.hash),kept")

        // Survives closing and reopening; the tree continues where it was.
        let reopened = try Ledger(dataDirectory: dir)
        let e4 = try reopened.append(LedgerDraft(time: t0, kind: .purge, detail: "older than 30 days: 0"))
        XCTAssertEqual(e4.seq, 4)
        guard case .intact(4, _, 0) = try reopened.verify() else { return XCTFail("\(try reopened.verify())") }
    }

    func testCheckpointsAreSignedAndProofsVerifyAgainstThem() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        try fill(ledger, 13)
        let c1 = try XCTUnwrap(try ledger.writeCheckpoint(at: t0))
        XCTAssertNil(try ledger.writeCheckpoint(at: t0, onlyIfGrown: true), "nothing new: no checkpoint")
        try fill(ledger, 9, from: 14)
        let c2 = try XCTUnwrap(try ledger.writeCheckpoint(at: t0.addingTimeInterval(300), onlyIfGrown: true))
        XCTAssertEqual([c1.treeSize, c2.treeSize], [13, 22])
        XCTAssertEqual(try ledger.checkpoints(), [c1, c2])

        // Anyone with the public key file can check a checkpoint and every proof.
        let pubText = try String(contentsOf: dir.appendingPathComponent("ledger-signing.pub"), encoding: .utf8)
        let publicKey = try XCTUnwrap(Hex.decode(pubText.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertTrue(c1.isValidlySigned(by: publicKey))
        XCTAssertTrue(c2.isValidlySigned(by: publicKey))
        XCTAssertTrue(c1.signedText.hasPrefix("welkom-ledger/v1\n13\n"))
        let keyMode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("ledger-signing.key").path)[.posixPermissions] as? Int
        XCTAssertEqual(keyMode, 0o600)

        for seq in Int64(1)...22 {
            let leaf = try ledger.leafHash(seq: seq)
            for c in [c1, c2] where UInt64(seq) <= c.treeSize {
                let proof = try ledger.inclusionProof(seq: seq, treeSize: c.treeSize)
                XCTAssertTrue(MerkleTree.verifyInclusion(index: UInt64(seq - 1), size: c.treeSize, leafHash: leaf, proof: proof, root: c.root), "\(seq) in \(c.treeSize)")
            }
        }
        let consistency = try ledger.consistencyProof(old: c1.treeSize, new: c2.treeSize)
        XCTAssertTrue(MerkleTree.verifyConsistency(old: 13, new: 22, oldRoot: c1.root, newRoot: c2.root, proof: consistency))
        XCTAssertThrowsError(try ledger.inclusionProof(seq: 23, treeSize: 22))
        XCTAssertThrowsError(try ledger.inclusionProof(seq: 1, treeSize: 99))

        guard case .intact(22, _, 2) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
        guard case .intact(22, _, 1) = try ledger.verify(sinceCheckpoint: c2.id) else { return XCTFail() }
        guard case .intact(22, _, 2) = try ledger.verify(sinceCheckpoint: c1.id) else { return XCTFail() }
        // Pinned to another key: every checkpoint is refused.
        XCTAssertEqual(try ledger.verify(publicKey: [UInt8](repeating: 7, count: 32)),
                       .brokenCheckpoint(id: 1, reason: "signed by another key (\(Hex.encode(publicKey.prefix(8)))…, expected 0707070707070707…)"))
    }

    /// Flip one byte (or bit) of every stored column of entry 3, and of every checkpoint column:
    /// verify fails and names the entry or the checkpoint.
    func testFlippingAnyStoredValueIsNamedByVerify() throws {
        let columns: [(table: String, column: String)] = [
            ("leaf", "time_ms"), ("leaf", "kind"), ("leaf", "body_hash"), ("leaf", "hash"),
            ("body", "salt"), ("body", "customer"), ("body", "customer_salt"), ("body", "customer_commitment"),
            ("body", "scheme"), ("body", "till"), ("body", "prompt"), ("body", "detail"), ("body", "receipt"),
        ]
        for (table, column) in columns {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 5, receiptAt: 3)
            guard case .intact = try ledger.verify() else { return XCTFail() }
            try flip(dir, table: table, column: column, key: "seq", value: 3)
            guard case let .broken(seq, why) = try ledger.verify() else {
                XCTFail("not detected: \(table).\(column)")
                continue
            }
            XCTAssertEqual(seq, 3, "\(table).\(column): \(why)")
        }
        // A stored tree node: named by the last entry it covers.
        do {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 5)
            try tamper(dir, "UPDATE node SET hash = zeroblob(32) WHERE end_seq = 4 AND height = 2")
            XCTAssertEqual(try ledger.verify(), .broken(seq: 4, reason: "the stored tree node over entries 1–4 does not match them"))
        }
        // Removing, inserting, renumbering entries; removing a body or marking it removed.
        let structural: [(String, Int64, String)] = [
            ("DELETE FROM leaf WHERE seq = 3", 3, "missing"),
            ("DELETE FROM body WHERE seq = 3", 3, "record body is missing"),
            ("UPDATE leaf SET removed = 'purged' WHERE seq = 3", 3, "still there"),
            ("UPDATE leaf SET kind = 'made_up' WHERE seq = 3", 3, "unknown kind"),
            ("UPDATE body SET scheme = 'bluetooth' WHERE seq = 3", 3, "unknown scheme"),
            // SQLite reads a text in an INTEGER column as 0: a changed time all the same.
            ("UPDATE leaf SET time_ms = 'yesterday' WHERE seq = 3", 3, "leaf hash"),
        ]
        for (sql, expected, reason) in structural {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 5)
            try tamper(dir, sql)
            guard case let .broken(seq, why) = try ledger.verify() else {
                XCTFail("not detected: \(sql)")
                continue
            }
            XCTAssertEqual(seq, expected, sql)
            XCTAssertTrue(why.contains(reason), "\(sql): \(why)")
        }
        // Checkpoints: every column.
        for column in ["tree_size", "root", "time_ms", "public_key", "signature"] {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 3)
            try ledger.writeCheckpoint(at: t0)
            try fill(ledger, 2, from: 4)
            try ledger.writeCheckpoint(at: t0)
            try flip(dir, table: "checkpoint", column: column, key: "id", value: 2)
            guard case let .brokenCheckpoint(id, why) = try ledger.verify() else {
                XCTFail("not detected: checkpoint.\(column)")
                continue
            }
            XCTAssertEqual(id, 2, "checkpoint.\(column): \(why)")
        }
        // A consistent rewrite of an entry (leaf and body recomputed, nodes too) is caught by the
        // signed checkpoint that covered it.
        do {
            let dir = try makeTemporaryDirectory(self)
            let ledger = try Ledger(dataDirectory: dir)
            try fill(ledger, 4)
            try ledger.writeCheckpoint(at: t0)
            let raw = try DatabaseQueue(path: dir.appendingPathComponent("ledger.sqlite").path)
            try raw.write { db in
                // Drop entry 4 and its nodes entirely: a shorter tree that is consistent in itself.
                try db.execute(sql: "DELETE FROM leaf WHERE seq = 4; DELETE FROM body WHERE seq = 4; DELETE FROM node WHERE end_seq = 4")
            }
            try raw.close()
            XCTAssertEqual(try ledger.verify(), .brokenCheckpoint(id: 1, reason: "it covers 4 entries but the ledger has only 3 (entries were removed)"))
        }
    }

    func testEraseDeletesBodiesAndSaltsAndOtherProofsStillVerify() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let anna = "anna-7f3a9b2e-erase-me", bert = "bert-5c0d11aa-keep-me"
        for i in 0..<40 {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .recognition,
                                          customer: i % 2 == 0 ? anna : bert, scheme: .card, till: "1",
                                          prompt: "p-annas-prompt-\(i)"))
        }
        let before = try ledger.writeCheckpoint(at: t0)!
        XCTAssertTrue(databaseFileBytes(ledgerFile(dir)).contains { contains($0.1, Array(anna.utf8)) })

        let (erased, entry) = try ledger.erase(customer: anna, at: t0.addingTimeInterval(100))
        XCTAssertEqual(erased, 20)
        XCTAssertEqual(entry?.kind, .erasure)
        XCTAssertNil(entry?.customer)
        let after = try ledger.writeCheckpoint(at: t0.addingTimeInterval(101))!

        for (path, data) in databaseFileBytes(ledgerFile(dir)) {
            XCTAssertFalse(contains(data, Array(anna.utf8)), "\(anna) still in \(path)")
            XCTAssertFalse(contains(data, Array("p-annas-prompt-0".utf8)), "a record body still in \(path)")
        }
        let stored = try ledger.stored(LedgerQuery())
        XCTAssertEqual(stored.filter { $0.record == .erased }.count, 20)
        XCTAssertTrue(stored.filter { $0.record == .erased }.allSatisfy { $0.entry.customer == nil && $0.entry.prompt == nil })
        XCTAssertEqual(stored.filter { $0.entry.customer == bert }.count, 20)
        guard case .intact(41, _, 2) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
        // Every entry's proof still verifies in both checkpoints, erased ones included.
        for seq in Int64(1)...40 {
            let leaf = try ledger.leafHash(seq: seq)
            for c in [before, after] {
                XCTAssertTrue(MerkleTree.verifyInclusion(index: UInt64(seq - 1), size: c.treeSize, leafHash: leaf,
                                                         proof: try ledger.inclusionProof(seq: seq, treeSize: c.treeSize), root: c.root))
            }
        }
        XCTAssertEqual(try ledger.erase(customer: anna, at: t0).erased, 0, "nothing left: a second run records nothing")
        XCTAssertEqual(try ledger.count(), 41)
    }

    func testUnlinkKeepsTheRecordButNotTheCustomer() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let anna = "anna-7f3a9b2e-unlink-me"
        for i in 0..<10 {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .recognition, customer: anna, scheme: .wlk1, till: "2"))
        }
        let root = try ledger.treeHead().root
        XCTAssertEqual(try ledger.unlink(customer: anna), 10)
        for (path, data) in databaseFileBytes(ledgerFile(dir)) {
            XCTAssertFalse(contains(data, Array(anna.utf8)), "\(anna) still in \(path)")
        }
        let stored = try ledger.stored(LedgerQuery())
        XCTAssertTrue(stored.allSatisfy { $0.entry.customer == nil && $0.entry.till == "2" && $0.record == .kept })
        XCTAssertEqual(try ledger.verify(), .intact(entries: 10, root: Hex.encode(root), checkpoints: 0))
        XCTAssertEqual(try ledger.unlink(customer: anna), 0)
    }

    func testPurgeDeletesOldActivityBodiesAndKeepsConsentRecords() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        try ledger.append(LedgerDraft(time: t0, kind: .consentGiven, customer: "anna"))
        for i in 0..<6 {
            try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(i) * 86_400), kind: .recognition, customer: "anna",
                                          scheme: .wlk1, till: "1", prompt: "p-\(i)"))
        }
        try ledger.writeCheckpoint(at: t0)
        let (purged, entry) = try ledger.purge(before: t0.addingTimeInterval(3 * 86_400), at: t0.addingTimeInterval(33 * 86_400))
        XCTAssertEqual(purged, 3)
        XCTAssertEqual(entry?.kind, .purge)
        let stored = try ledger.stored(LedgerQuery())
        XCTAssertEqual(stored.map(\.record), [.kept, .purged, .purged, .purged, .kept, .kept, .kept, .kept])
        XCTAssertEqual(stored[0].entry.customer, "anna", "the consent record stays")
        XCTAssertEqual(stored[1].entry.time, t0.addingTimeInterval(0).roundedToMilliseconds, "time and kind stay in the leaf")
        XCTAssertEqual(stored[1].entry.kind, .recognition)
        guard case .intact(8, _, 1) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
        XCTAssertEqual(try ledger.purge(before: t0.addingTimeInterval(3 * 86_400), at: t0).purged, 0)
        XCTAssertEqual(try ledger.count(), 8, "a purge that removes nothing records nothing")
    }

    /// A data directory from before the Merkle ledger: its hash chain is carried over as leaves.
    func testHashChainLedgerIsCarriedOverAsLeaves() throws {
        let dir = try makeTemporaryDirectory(self)
        let raw = try DatabaseQueue(path: ledgerFile(dir).path)
        var previous = LedgerChain.genesis
        try raw.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1-hash-chain');
                CREATE TABLE entry (seq INTEGER PRIMARY KEY NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                    customer TEXT, salt BLOB, customer_commitment BLOB, scheme TEXT, till TEXT, prompt TEXT, detail TEXT,
                    hash BLOB NOT NULL);
                """)
            for seq in Int64(1)...5 {
                let salt = [UInt8](repeating: UInt8(seq), count: 16)
                let customer: String? = seq == 2 ? nil : "c\(seq)"
                let commitment = customer.map { LedgerChain.commitment(salt: salt, customer: $0) }
                let time = 1_795_975_200_000 + seq
                let hash = LedgerChain.link(previous: previous, seq: seq, timeMilliseconds: time, kind: "recognition",
                                            commitment: commitment, scheme: "wlk1", till: "1", prompt: "p\(seq)", detail: nil)
                try db.execute(sql: "INSERT INTO entry VALUES (?, ?, 'recognition', ?, ?, ?, 'wlk1', '1', ?, NULL, ?)",
                               arguments: [seq, time, customer, customer == nil ? nil : Data(salt), commitment.map { Data($0) }, "p\(seq)", Data(hash)])
                previous = hash
            }
        }
        try raw.close()
        let before = try Data(contentsOf: ledgerFile(dir))
        XCTAssertThrowsError(try Ledger(dataDirectory: dir, readOnly: true), "read-only does not migrate") { error in
            XCTAssertTrue(String(describing: error).contains("run `welkom audit migrate --data \(dir.path)` or start the agent"),
                          "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: ledgerFile(dir)), before, "the old ledger is left as it was")

        let ledger = try Ledger(dataDirectory: dir)
        let entries = try ledger.entries()
        XCTAssertEqual(entries.map(\.seq), [1, 2, 3, 4, 5])
        XCTAssertEqual(entries.map(\.customer), ["c1", nil, "c3", "c4", "c5"])
        XCTAssertEqual(entries.map(\.prompt), ["p1", "p2", "p3", "p4", "p5"])
        guard case .intact(5, _, 1) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
        XCTAssertEqual(try ledger.notes()["migrated_from_hash_chain"],
                       "5 entries carried over; the old hash chain was intact (head \(Hex.encode(previous)))")
        XCTAssertEqual(try ledger.unlink(customer: "c3"), 1, "the old commitment and salt still tie c3 until unlinked")
    }

    /// Many concurrent appenders: every append is acknowledged once, numbered without gaps, and
    /// they share transactions (group commit).
    func testConcurrentSubmitsShareCommitsAndAllLand() async throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let t0 = self.t0
        let seqs = try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<500 {
                group.addTask {
                    try await ledger.submit(LedgerDraft(time: t0, kind: .recognition, customer: "c\(i)", scheme: .wlk1)).seq
                }
            }
            var all: [Int64] = []
            for try await s in group { all.append(s) }
            return all
        }
        XCTAssertEqual(seqs.sorted(), Array(1...500))
        XCTAssertEqual(Set(try ledger.entries().compactMap(\.customer)).count, 500)
        guard case .intact(500, _, 0) = try ledger.verify() else { return XCTFail() }
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
        guard case .intact(2, _, _) = try readOnly.verify() else { return XCTFail() }
    }

    func testReadOnlyOpenOfAMissingLedgerSaysWhere() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try Ledger(dataDirectory: dir, readOnly: true)) { error in
            XCTAssertTrue(String(describing: error).contains(self.ledgerFile(dir).path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledgerFile(dir).path))
    }

    /// A write that fails inside the transaction (here a trigger standing in for a full disk)
    /// leaves no half entry, no node and no used-up sequence number; the next append works.
    func testFailedAppendLeavesNothingBehind() throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        try fill(ledger, 3)
        try tamper(dir, "CREATE TRIGGER fail_after_insert AFTER INSERT ON node BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
        XCTAssertThrowsError(try ledger.append(LedgerDraft(time: t0, kind: .purge))) { error in
            XCTAssertTrue(String(describing: error).contains(self.ledgerFile(dir).path))
            XCTAssertTrue(String(describing: error).contains("simulated failure"))
        }
        XCTAssertEqual(try ledger.count(), 3)
        try tamper(dir, "DROP TRIGGER fail_after_insert")
        let e = try ledger.append(LedgerDraft(time: t0, kind: .purge))
        XCTAssertEqual(e.seq, 4)
        guard case .intact(4, _, 0) = try ledger.verify() else { return XCTFail() }
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
        guard case .intact(80, _, 0) = try cli.verify() else { return XCTFail() }
    }

    func testFilesArePrivate() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("data")
        _ = try Ledger(dataDirectory: dir)
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: ledgerFile(dir).path)[.posixPermissions] as? Int
        XCTAssertEqual(dirMode, 0o700)
        XCTAssertEqual(fileMode, 0o600)
    }

    // MARK: - Helpers

    private func ledgerFile(_ dir: URL) -> URL { dir.appendingPathComponent("ledger.sqlite") }

    /// Raw SQL on the ledger file through a separate connection, as a tamperer would.
    private func tamper(_ dir: URL, _ sql: String) throws {
        let raw = try DatabaseQueue(path: ledgerFile(dir).path)
        try raw.write { try $0.execute(sql: sql) }
        try raw.close()
    }

    /// Flips the lowest bit of the first byte of a stored value (an integer's lowest bit).
    private func flip(_ dir: URL, table: String, column: String, key: String, value: Int64) throws {
        let raw = try DatabaseQueue(path: ledgerFile(dir).path)
        try raw.write { db in
            let current = try DatabaseValue.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(key) = ?", arguments: [value]) ?? .null
            let changed: DatabaseValue
            switch current.storage {
            case let .blob(data):
                var d = data
                d[d.startIndex] ^= 1
                changed = d.databaseValue
            case let .string(s):
                var bytes = Array(s.utf8)
                bytes[0] ^= 1
                changed = String(decoding: bytes, as: UTF8.self).databaseValue
            case let .int64(i):
                changed = (i ^ 1).databaseValue
            default:
                XCTFail("\(table).\(column) of \(value) is \(current): nothing to flip")
                return
            }
            try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(key) = ?", arguments: [changed, value])
        }
        try raw.close()
    }

    private func fill(_ ledger: Ledger, _ n: Int, from first: Int = 1, receiptAt: Int? = nil) throws {
        for i in first..<(first + n) {
            let draft = LedgerDraft(time: t0.addingTimeInterval(Double(i)), kind: .recognition,
                                    customer: "c\(i)", scheme: .wlk1, till: "\(i % 3)",
                                    prompt: "p-\(i)", detail: "scopes=greeting")
            if i == receiptAt {
                try ledger.append(draft, receipt: ConsentReceipt(event: .given, time: t0, collectionMethod: "cli", scopes: [.greeting]))
            } else {
                try ledger.append(draft)
            }
        }
    }
}

extension Date {
    var roundedToMilliseconds: Date { LedgerTime.date(milliseconds: LedgerTime.milliseconds(self)) }
}
