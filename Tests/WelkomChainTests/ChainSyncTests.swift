import Foundation
import Logging
import PostgresNIO
import XCTest
@testable import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// What the agent's ConsentApplier would receive, in order.
final class RecordingAgent: AgentLink, @unchecked Sendable {
    private let lock = NSLock()
    private var changes: [ConsentChange] = []
    var received: [ConsentChange] { lock.withLock { changes } }
    func reset() { lock.withLock { changes = [] } }
    func apply(_ change: ConsentChange) async throws -> AgentNotice {
        lock.withLock { changes.append(change) }
        return .applied
    }
}

/// A store's sync and shipping into a real data directory, against a real cluster.
final class ChainSyncTests: ChainTestCase {
    func testWithdrawalFirstErasureEverywhereAndShippingOnce() async throws {
        let central = ChainRegistry(db: admin, key: key)
        let gone = "erase-me-4f1c9a"
        let goneKey = Block128(hi: 0xDEAD_BEEF_0BAD_F00D, lo: 0x1234_5678_9ABC_DEF0)
        try await central.enroll(all: [
            Enrolment(customer: "stays-1", scopes: [.greeting], beaconKey: Block128(hi: 1, lo: 1)),
            Enrolment(customer: "leaves-2", scopes: [.greeting], beaconKey: Block128(hi: 2, lo: 2), cards: ["40001234"]),
            Enrolment(customer: gone, scopes: [.greeting, .name], name: "Erika", beaconKey: goneKey),
        ])
        let storeURL = try await ChainStores.add(admin, store: "delft")
        let store = try await connect(storeURL)

        let dataDir = work.appendingPathComponent("data")
        let registry = try ConsentRegistry(dataDirectory: dataDir)
        let ledger = try Ledger(dataDirectory: dataDir)
        // A customer enrolled only locally: the chain is the truth, so the initial load withdraws them.
        try await registry.enroll(Enrolment(customer: "local-only", scopes: [.greeting], beaconKey: Block128(hi: 9, lo: 9)))
        let agent = RecordingAgent()
        let sync = ChainSync(url: storeURL, key: key, store: "delft", registry: registry, ledger: ledger, agent: agent,
                             dataDirectory: dataDir, logger: Logger(label: "test"))

        let head = try await sync.initialLoad(store)
        let v1 = try await registry.consents().map(\.customer).sorted()
        XCTAssertEqual(v1, [gone, "leaves-2", "stays-1"])
        XCTAssertEqual(sync.readCursor(), head)
        XCTAssertEqual(agent.received.first, .withdrawn("local-only"))
        XCTAssertEqual(agent.received.last, .reload)

        // The store recognised the customer; its ledger names them until the erasure.
        for _ in 0..<3 {
            _ = try await ledger.submit(LedgerDraft(time: Date(), kind: .recognition, customer: gone, scheme: .wlk1, till: "1"))
        }
        _ = try await ledger.writeCheckpoint(at: Date())
        var ids = Set<Int64>()
        var shipped = try await sync.shipLedger(store, after: 0, checkpoints: &ids)
        let v2 = try await ledger.count()
        XCTAssertEqual(shipped, v2)
        // A resend (the store lost its high-water mark) duplicates nothing.
        var none = Set<Int64>()
        _ = try await sync.shipLedger(store, after: 0, checkpoints: &none)
        let v3 = try await admin.query("SELECT count(*) FROM welkom.ledger_entry", "t").first!.decode(Int64.self)
        XCTAssertEqual(v3, shipped)

        // One batch brings an enrolment and a withdrawal: the withdrawal is applied first.
        agent.reset()
        try await central.enroll(Enrolment(customer: "new-3", scopes: [.greeting], beaconKey: Block128(hi: 3, lo: 3)))
        _ = try await central.withdraw("leaves-2")
        var cursor = try await sync.catchUp(store, from: head)
        XCTAssertEqual(agent.received, [.withdrawn("leaves-2"), .reload])
        let v4 = try await registry.consents().map(\.customer).sorted()
        XCTAssertEqual(v4, [gone, "new-3", "stays-1"])

        // Chain-wide erasure: nothing of the customer in the store's data directory or the database.
        let erasure = try await central.erase(gone)
        XCTAssertEqual(erasure.bodiesErased, 3)
        cursor = try await sync.catchUp(store, from: cursor)
        XCTAssertEqual(sync.readCursor(), cursor)
        let v5 = try await registry.consents().map(\.customer).contains(gone)
        XCTAssertFalse(v5)
        shipped = try await sync.shipLedger(store, after: shipped, checkpoints: &ids)
        for file in try FileManager.default.contentsOfDirectory(atPath: dataDir.path) {
            let bytes = Array((try? Data(contentsOf: dataDir.appendingPathComponent(file))) ?? Data())
            XCTAssertNil(bytes.firstRange(of: Array(gone.utf8)), "\(file) still holds the customer ID")
            XCTAssertNil(bytes.firstRange(of: goneKey.bytes), "\(file) still holds the customer's key")
        }
        try await assertDatabaseHolds(nothingOf: gone, key: goneKey)

        // Every shipped tree still verifies centrally, checkpoints included.
        let verification = try await ChainLedger.verify(admin, store: "delft")
        XCTAssertNil(verification.failure)
        let v6 = try await ledger.count()
        XCTAssertEqual(verification.entries, v6)
        XCTAssertGreaterThanOrEqual(verification.checkpointsVerified, 1)
    }

    /// Every row of every table in the welkom schema, as text, and every bytea column's bytes.
    func assertDatabaseHolds(nothingOf customer: String, key: Block128, file: StaticString = #filePath, line: UInt = #line) async throws {
        let tables = try await admin.query("""
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'welkom'
            """, "t").map { try $0.decode(String.self) }
        XCTAssertFalse(tables.isEmpty)
        for table in tables {
            let hits = try await admin.query(PostgresQuery(unsafeSQL: """
                SELECT count(*) FROM welkom.\(table) t
                WHERE position(convert_to($1, 'UTF8') IN convert_to(t::text, 'UTF8')) > 0
                   OR position(decode($2, 'hex') IN convert_to(t::text, 'UTF8')) > 0
                   OR t::text LIKE '%' || $2 || '%'
                """, binds: { var b = PostgresBindings(); b.append(customer); b.append(key.hex); return b }()), "t")
                .first!.decode(Int.self)
            XCTAssertEqual(hits, 0, "welkom.\(table) still holds the customer", file: file, line: line)
        }
    }
}

extension ChainSyncTests {
    /// A change row the chain key cannot open (planted through a store function, which takes any
    /// sealed blob) is passed over: the withdrawal behind it still reaches the store.
    func testAChangeTheKeyCannotOpenDoesNotHoldUpTheWithdrawalsBehindIt() async throws {
        let central = ChainRegistry(db: admin, key: key)
        try await central.enroll(Enrolment(customer: "leaves-7", scopes: [.greeting], beaconKey: Block128(hi: 7, lo: 7)))
        let storeURL = try await ChainStores.add(admin, store: "delft")
        let store = try await connect(storeURL)
        let dataDir = work.appendingPathComponent("data")
        let registry = try ConsentRegistry(dataDirectory: dataDir)
        let agent = RecordingAgent()
        let sync = ChainSync(url: storeURL, key: key, store: "delft", registry: registry,
                             ledger: try Ledger(dataDirectory: dataDir), agent: agent,
                             dataDirectory: dataDir, logger: Logger(label: "test"))
        let head = try await sync.initialLoad(store)
        let planted = Data(repeating: 0xA5, count: 40)
        _ = try await admin.query("INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES ('withdrawn', \(planted))", "plant")
        _ = try await central.withdraw("leaves-7")
        agent.reset()
        let cursor = try await sync.catchUp(store, from: head)
        XCTAssertEqual(agent.received.first, .withdrawn("leaves-7"))
        let left = try await registry.consents().map(\.customer)
        XCTAssertEqual(left, [])
        let headNow = try await admin.query("SELECT max(seq) FROM welkom.consent_change", "t").first!.decode(Int64.self)
        XCTAssertEqual(cursor, headNow, "the cursor moved past the planted row")
    }
}
