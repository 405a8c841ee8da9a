import Foundation
import PostgresNIO
import XCTest
@testable import WelkomChain
import WelkomCore
import WelkomLedger
import WelkomRegistry
import WelkomTesting

/// `audit query --postgres`: the shipped copy of a store's ledger answers every query exactly as
/// the store's own ledger does (the same entries, the same lines but for "store"), and a row this
/// Welkom cannot read is an error naming the store and entry.
final class ChainAuditTests: ChainTestCase {
    static let customers = ["anna", "bert", "chloe"]
    static let tills = ["1", "2", "3"]
    static let schemes: [Scheme] = [.wlk1, .card, .eid]

    private var enrolled = false

    /// A store's ledger of `count` random entries (seeded), shipped under its own login. The
    /// customers are enrolled centrally first: an entry of a customer the chain does not hold
    /// arrives unlinked (welkom.unlink_departed).
    func shippedLedger(store: String, count: Int, rng: inout SplitMix64) async throws -> Ledger {
        if !enrolled {
            let registry = ChainRegistry(db: admin, key: key)
            for (i, c) in Self.customers.enumerated() {
                try await registry.enroll(Enrolment(customer: c, scopes: [.greeting], beaconKey: Block128(hi: 0xA0D17, lo: UInt64(i))))
            }
            enrolled = true
        }
        let dir = work.appendingPathComponent(store)
        let ledger = try Ledger(dataDirectory: dir)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let kinds: [LedgerEntryKind] = [.recognition, .acknowledgement, .dismissal, .recognition]
        let drafts = (0..<count).map { i in
            LedgerDraft(time: start.addingTimeInterval(Double(i) * 3_600 + Double(rng.next() % 600)),
                        kind: kinds[Int(rng.next() % UInt64(kinds.count))],
                        customer: rng.next() % 5 == 0 ? nil : Self.customers[Int(rng.next() % 3)],
                        scheme: Self.schemes[Int(rng.next() % 3)], till: Self.tills[Int(rng.next() % 3)],
                        prompt: "p-\(i)", detail: "scopes=greeting")
        }
        _ = try ledger.append(contentsOf: drafts)
        _ = try await ledger.unlink(customer: "bert")  // unlinked entries: customer null centrally too
        let login = try await connect(try await ChainStores.add(admin, store: store))
        _ = try await ChainLedger.ship(try await ledger.stored(LedgerQuery()), login)
        return ledger
    }

    func testQueriesMatchTheStoresOwnLedger() async throws {
        var rng = TestSeed.generator(for: self)
        let delft = try await shippedLedger(store: "delft", count: 120, rng: &rng)
        _ = try await shippedLedger(store: "den-haag", count: 40, rng: &rng)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        for _ in 0..<25 {
            var q = LedgerQuery()
            if rng.next() % 2 == 0 { q.customer = Self.customers[Int(rng.next() % 3)] }
            if rng.next() % 2 == 0 { q.till = Self.tills[Int(rng.next() % 3)] }
            for kind in LedgerEntryKind.allCases where rng.next() % 4 == 0 { q.kinds.insert(kind) }
            if rng.next() % 2 == 0 { q.from = start.addingTimeInterval(Double(rng.next() % 100) * 3_600) }
            if rng.next() % 2 == 0 { q.until = start.addingTimeInterval(Double(rng.next() % 130) * 3_600) }
            let local = try await delft.stored(q).map(LedgerJSONLine.line)
            var central: [String] = []
            try await ChainAudit.entries(admin, store: "delft", query: q) { store, entry in
                XCTAssertEqual(store, "delft")
                central.append(ChainAudit.jsonLine(store: store, entry))
            }
            XCTAssertEqual(central, local.map { "{\"store\":\"delft\"," + $0.dropFirst() }, "\(q)")
        }
        // Every store, in store order, each in sequence order.
        var stores: [String] = []
        try await ChainAudit.entries(admin, store: nil, query: LedgerQuery()) { store, _ in stores.append(store) }
        XCTAssertEqual(stores, Array(repeating: "delft", count: 120) + Array(repeating: "den-haag", count: 40))
        // CSV: the local line after the store.
        let first = try await delft.stored(LedgerQuery(limit: 1))[0]
        XCTAssertEqual(ChainAudit.csvLine(store: "delft", first), "delft," + LedgerCSVLine.line(first))
        XCTAssertEqual(ChainAudit.csvHeader, "store," + LedgerCSVLine.header)
    }

    /// The report's counts, grouped by the database, are the store's own entries grouped by day,
    /// kind, record state (and a recognition's scheme and till).
    func testCountGroupsMatchTheStoresOwnEntries() async throws {
        var rng = TestSeed.generator(for: self)
        let ledger = try await shippedLedger(store: "delft", count: 150, rng: &rng)
        _ = try await ledger.erase(customer: "anna", at: Date(timeIntervalSince1970: 1_790_500_000))
        _ = try await ChainLedger.ship(try await ledger.stored(LedgerQuery(after: 150)), try await connect(try await ChainStores.add(admin, store: "delft")))
        // Bodies erased centrally too, as a chain-wide erasure leaves them.
        try await admin.query("UPDATE welkom.ledger_entry SET record = 'erased', customer = NULL WHERE store = 'delft' AND seq % 7 = 0", "t")
        let central = try await ChainAudit.countGroups(admin, store: "delft")
        var expected: [String: ChainAudit.CountGroup] = [:]
        var entries: [LedgerStoredEntry] = []
        try await ChainAudit.entries(admin, store: "delft", query: LedgerQuery()) { _, e in entries.append(e) }
        XCTAssertGreaterThan(entries.count, 150)
        for s in entries {
            let e = s.entry
            let day = String(LedgerTime.rfc3339(e.time).prefix(10))
            let scheme = e.kind == .recognition ? e.scheme?.rawValue : nil
            let till = e.kind == .recognition ? e.till : nil
            let key = [day, e.kind.rawValue, s.record.rawValue, scheme ?? "-", till ?? "-"].joined(separator: "|")
            var g = expected[key] ?? ChainAudit.CountGroup(day: day, kind: e.kind, record: s.record, scheme: scheme, till: till,
                                                            count: 0, linked: 0, first: e.time, last: e.time)
            g.count += 1
            g.linked += e.customer == nil ? 0 : 1
            g.first = min(g.first, e.time)
            g.last = max(g.last, e.time)
            expected[key] = g
        }
        XCTAssertEqual(Set(central.map { "\($0)" }), Set(expected.values.map { "\($0)" }))
        XCTAssertEqual(central.count, expected.count)
    }

    func testAnUnreadableRowIsNamedNotACrash() async throws {
        var rng = TestSeed.generator(for: self)
        _ = try await shippedLedger(store: "delft", count: 3, rng: &rng)
        try await admin.query("UPDATE welkom.ledger_entry SET kind = 'teleport' WHERE store = 'delft' AND seq = 2", "t")
        do {
            try await ChainAudit.entries(admin, store: "delft", query: LedgerQuery()) { _, _ in }
            XCTFail("an unknown kind was read")
        } catch let ChainError.database(_, reason) {
            XCTAssertTrue(reason.contains("store delft, entry 2: unknown kind 'teleport'"), reason)
        }
        do {
            try await ChainAudit.entries(admin, store: "utrecht", query: LedgerQuery()) { _, _ in }
            XCTFail("an unknown store was read")
        } catch ChainError.unknownStore("utrecht") {}
    }

    func testCheckpointsAndConsentCount() async throws {
        var rng = TestSeed.generator(for: self)
        let ledger = try await shippedLedger(store: "delft", count: 5, rng: &rng)
        let written = try await ledger.writeCheckpoint(at: Date())
        let checkpoint = try XCTUnwrap(written)
        _ = try await ChainStores.add(admin, store: "delft-2")
        // As the admin: the shipped copy's rows are what is read here, not how they came.
        try await admin.query("""
            INSERT INTO welkom.ledger_checkpoint (store, id, tree_size, root, time_ms, public_key, signature)
            VALUES ('delft', \(checkpoint.id), \(Int64(checkpoint.treeSize)), \(Data(checkpoint.root)),
                    \(checkpoint.timeMilliseconds), \(Data(checkpoint.publicKey)), \(Data(checkpoint.signature)))
            """, "t")
        let read = try await ChainAudit.checkpoints(admin, store: "delft")
        XCTAssertEqual(read, [checkpoint])
        let none = try await ChainAudit.checkpoints(admin, store: "delft-2")
        XCTAssertEqual(none, [])
        let consents = try await ChainAudit.consentCount(admin)
        XCTAssertEqual(consents, Self.customers.count)
    }
}

/// /healthz's chain line, from the sync's state.
final class ChainSyncStatusTests: XCTestCase {
    func testConnectedUnreachableAndBack() {
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let status = ChainSyncStatus(now: { clock.now })
        var line = status.current.health(store: "delft", now: clock.now)
        XCTAssertEqual(line.line, "chain: connecting to the chain database; recognising from local state")
        XCTAssertFalse(line.degraded)

        status.update { $0.connected = true }
        XCTAssertTrue(status.current.health(store: "delft", now: clock.now).line.contains("loading the consents"))
        status.update { $0.cursor = 42; $0.entriesQueued = 1; $0.lastSync = clock.now }
        line = status.current.health(store: "delft", now: clock.now.addingTimeInterval(0.75))
        XCTAssertEqual(line.line, "chain: connected as store delft; consent cursor 42, change log read to its head 0.8 s ago (lag); "
                       + "1 ledger entry queued to ship")
        XCTAssertFalse(line.degraded)

        clock.now = clock.now.addingTimeInterval(10)
        status.update { $0.connected = false; $0.problem = "connection refused" }
        clock.now = clock.now.addingTimeInterval(30)
        status.update { $0.connected = false; $0.problem = "connection refused again" }
        line = status.current.health(store: "delft", now: clock.now)
        XCTAssertEqual(line.line, "chain database unreachable since 2027-01-15T08:00:10Z: connection refused again; recognising "
                       + "from local state (store delft, consent cursor 42, 1 ledger entry queued to ship at the last contact)")
        XCTAssertTrue(line.degraded, "unreachable is degraded")

        status.update { $0.connected = true; $0.problem = nil }
        XCTAssertNil(status.current.unreachableSince)
        XCTAssertFalse(status.current.health(store: "delft", now: clock.now).degraded)
    }
}

final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ start: Date) { value = start }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
