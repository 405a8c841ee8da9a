import Foundation
import Logging
import XCTest
@testable import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry

private struct Interrupted: Error {}

/// The initial load streams the snapshot and writes it a chunk at a time.
extension ChainSyncTests {
    /// A load cut short after two chunks leaves those chunks and no cursor; the next start loads
    /// again and ends with exactly the chain's consents, a consent withdrawn meanwhile withdrawn
    /// locally before anything is enrolled.
    func testALoadCutShortIsRepairedByTheNextOne() async throws {
        let central = ChainRegistry(db: admin, key: key)
        try await central.enroll(all: (0..<7).map { i in
            Enrolment(customer: "c\(i)", scopes: [.greeting], beaconKey: Block128(hi: 0xC0, lo: UInt64(i)),
                      cards: i == 3 ? ["40001234"] : [])
        })
        let storeURL = try await ChainStores.add(admin, store: "leiden")
        let store = try await connect(storeURL)
        let dataDir = work.appendingPathComponent("load")
        let registry = try ConsentRegistry(dataDirectory: dataDir)
        let agent = RecordingAgent()
        let ledger = try Ledger(dataDirectory: dataDir)
        let sync = ChainSync(url: storeURL, key: key, store: "leiden", registry: registry, ledger: ledger,
                             agent: agent, dataDirectory: dataDir, logger: Logger(label: "test"))

        do {
            _ = try await sync.initialLoad(store, chunk: 2) { written in if written == 2 { throw Interrupted() } }
            XCTFail("the load was not interrupted")
        } catch is Interrupted {}
        let partial = try await registry.consents().map(\.customer)
        XCTAssertEqual(partial.count, 4, "two whole chunks of two")
        XCTAssertNil(sync.readCursor(), "a cut-short load wrote a cursor")

        // Meanwhile the store recognises one of those loaded, who is then erased centrally; another
        // is withdrawn, and someone new enrols.
        let left = partial[0], erased = partial[1]
        _ = try await ledger.submit(LedgerDraft(time: Date(), kind: .recognition, customer: erased, scheme: .wlk1, till: "1"))
        _ = try await central.withdraw(left)
        _ = try await central.erase(erased)
        try await central.enroll(Enrolment(customer: "c7", scopes: [.greeting], beaconKey: Block128(hi: 0xC0, lo: 7)))
        agent.reset()
        let head = try await sync.initialLoad(store, chunk: 3)
        let loaded = try await registry.consents().map(\.customer).sorted()
        XCTAssertEqual(loaded, (0..<8).map { "c\($0)" }.filter { $0 != left && $0 != erased })
        XCTAssertEqual(agent.received, [.withdrawn(left), .withdrawn(erased), .reload], "removals come first")
        let bodies = try await ledger.stored(LedgerQuery(kinds: [.recognition]))
        XCTAssertEqual(bodies.map(\.record), [.erased], "the erased customer's recognition keeps its body")
        XCTAssertEqual(sync.readCursor(), head)
        let keys = try await registry.snapshot(at: Date()).keys
        XCTAssertEqual(keys.first { $0.customer == "c3" }?.cardPseudonyms, [registry.pseudonym(forCard: "40001234")])
    }

    /// Entries with every optional field set and none, in more than one batch: each arrives
    /// centrally as it is held locally, and a resend of all of them inserts nothing.
    func testShippedEntriesArriveAsHeldLocally() async throws {
        // One customer the chain holds: their entries keep their name centrally.
        try await ChainRegistry(db: admin, key: key).enroll(Enrolment(customer: "klant-0", scopes: [.greeting], beaconKey: Block128(hi: 5, lo: 5)))
        let storeURL = try await ChainStores.add(admin, store: "gouda")
        let store = try await connect(storeURL)
        let dataDir = work.appendingPathComponent("ship")
        let ledger = try Ledger(dataDirectory: dataDir)
        let batch = 1_000, count = 2_503
        var done = 0
        while done < count {
            let n = min(5_000, count - done)
            _ = try ledger.append(contentsOf: (0..<n).map { j in
                let i = done + j
                return i % 2 == 0
                    ? LedgerDraft(time: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)), kind: .recognition,
                                  customer: "klant-\(i)", scheme: .wlk1, till: "kassa 1", prompt: "Goedemorgen, \(i) ☕", detail: "d\(i)")
                    : LedgerDraft(time: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)), kind: .recognition)
            })
            done += n
        }
        let sync = ChainSync(url: storeURL, key: key, store: "gouda", registry: try ConsentRegistry(dataDirectory: dataDir),
                             ledger: ledger, agent: RecordingAgent(), dataDirectory: dataDir, logger: Logger(label: "test"))
        let shipped = try await sync.shipEntries(store, after: 0, batch: batch)
        XCTAssertEqual(shipped, Int64(count))
        let resent = try await sync.shipEntries(store, after: 0, batch: batch)
        XCTAssertEqual(resent, Int64(count))
        let local = try await ledger.stored(LedgerQuery(after: 0, limit: count + 10))
        let rows = try await admin.query("""
            SELECT seq, time_ms, kind, leaf_hash, record, customer, scheme, till, prompt, detail, receipt
            FROM welkom.ledger_entry WHERE store = 'gouda' ORDER BY seq
            """, "t")
        XCTAssertEqual(rows.count, count, "a resend duplicated")
        for (row, s) in zip(rows, local) {
            let (seq, time, kind, leaf, record, customer, scheme, till, prompt, detail, receipt) =
                try row.decode((Int64, Int64, String, Data, String, String?, String?, String?, String?, String?, String?).self)
            XCTAssertEqual(seq, s.entry.seq)
            XCTAssertEqual(time, LedgerTime.milliseconds(s.entry.time))
            XCTAssertEqual(kind, s.entry.kind.rawValue)
            XCTAssertEqual(Array(leaf), s.leafHash)
            XCTAssertEqual(record, s.record.rawValue)
            // Customers the chain does not hold arrive unlinked (the central trigger).
            XCTAssertEqual(customer, s.entry.customer == "klant-0" ? "klant-0" : nil)
            XCTAssertEqual(scheme, s.entry.scheme?.rawValue)
            XCTAssertEqual(till, s.entry.till)
            XCTAssertEqual(prompt, s.entry.prompt)
            XCTAssertEqual(detail, s.entry.detail)
            XCTAssertEqual(receipt, s.receipt)
        }
        let verification = try await ChainLedger.verify(admin, store: "gouda")
        XCTAssertNil(verification.failure)
        XCTAssertEqual(verification.entries, Int64(count))
    }
}

/// Counts the sync's passes (each ends with a status update).
private final class PassCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var count: Int { lock.withLock { n } }
    func tick() { lock.withLock { n += 1 } }
}

extension ChainSyncTests {
    private func lastContact(_ store: String) async throws -> Date? {
        try await admin.query("SELECT last_contact FROM welkom.store WHERE id = \(store)", "t").first?.decode(Date?.self)
    }

    private func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Polling with nothing to do reads the change log and the local ledger, but reports contact
    /// (and counts the ledger, reads the checkpoints) only when something moved.
    func testAnIdleSyncReportsContactOnlyWhenSomethingMoves() async throws {
        let central = ChainRegistry(db: admin, key: key)
        try await central.enroll(Enrolment(customer: "u1", scopes: [.greeting], beaconKey: Block128(hi: 0xA1, lo: 1)))
        let storeURL = try await ChainStores.add(admin, store: "utrecht")
        let dataDir = work.appendingPathComponent("idle")
        let passes = PassCounter()
        let sync = ChainSync(url: storeURL, key: key, store: "utrecht", registry: try ConsentRegistry(dataDirectory: dataDir),
                             ledger: try Ledger(dataDirectory: dataDir), agent: RecordingAgent(), dataDirectory: dataDir,
                             logger: Logger(label: "test"), pollInterval: .milliseconds(20),
                             status: ChainSyncStatus(observer: { s in if s.lastSync != nil { passes.tick() } }))
        let running = Task { await sync.run() }
        try await waitFor("the first contact") { try await self.lastContact("utrecht") != nil }
        let first = try await lastContact("utrecht")
        let before = passes.count
        try await waitFor("ten idle polls") { passes.count >= before + 10 }
        let idle = try await lastContact("utrecht")
        XCTAssertEqual(idle, first, "an idle poll reported contact")

        try await central.enroll(Enrolment(customer: "u2", scopes: [.greeting], beaconKey: Block128(hi: 0xA1, lo: 2)))
        try await waitFor("the change to be reported") { try await self.lastContact("utrecht") != first }
        let status = try await ChainStores.status(admin).first { $0.store == "utrecht" }
        XCTAssertEqual(status?.cursorLag, 0)
        running.cancel()
        await running.value
    }
}
