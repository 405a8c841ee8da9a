import Logging
import XCTest
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomTillHub
@testable import WelkomAgent

/// The pipeline with real stores in a temporary directory: the privacy invariants that live in
/// the wiring rather than in one stage.
final class PipelineTests: XCTestCase {
    let annaKey = Block128(hex: "00112233445566778899aabbccddeeff")!
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-pipeline-\(UUID().uuidString)")
        let registry = try ConsentRegistry(dataDirectory: dir)
        try registry.enroll(Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .nl,
                                      beaconKey: annaKey, cards: [], expires: nil, consentTextVersion: "v1", note: nil))
        _ = try Ledger(dataDirectory: dir)  // create it, so a read-only open finds it
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    struct Rig {
        let pipeline: Pipeline
        let hub: TillHub
        let metrics: AgentMetrics
        let ledger: Ledger
        let logs: CapturedLogs
    }

    func makeRig(enabled: Bool = true, readOnlyLedger: Bool = false) async throws -> Rig {
        let logs = CapturedLogs()
        let logger = Logger(label: "test") { _ in CapturedLogHandler(logs: logs) }
        let registry = try ConsentRegistry(dataDirectory: dir)
        let ledger = try Ledger(dataDirectory: dir, readOnly: readOnlyLedger)
        let metrics = AgentMetrics()
        let pipeline = Pipeline(
            recogniser: Recogniser(settings: .init(enabled: enabled), pepper: registry.pepper),
            policy: Policy(settings: .init()), ledger: ledger, registry: registry,
            metrics: metrics, logger: logger, onEvent: { _ in })
        let hub = TillHub(tills: [TillInfo(id: "1", name: "Kassa 1")], logger: logger) { _ in }
        await pipeline.attach(hub)
        try await pipeline.reloadConsents(at: Date())
        return Rig(pipeline: pipeline, hub: hub, metrics: metrics, ledger: ledger, logs: logs)
    }

    func annaSighting(at time: Date = Date()) -> Sighting {
        Sighting(time: time, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: annaKey, at: time)!),
                 rssi: -50, source: .radio)
    }

    func testPromptIsShownOnlyAfterItsLedgerEntry() async throws {
        let rig = try await makeRig()
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown.map(\.text), ["Welkom terug, Anna"])
        let entries = try rig.ledger.entries()
        XCTAssertEqual(entries.map(\.kind), [.recognition])
        XCTAssertEqual(entries.first?.prompt, shown.first?.id)
        XCTAssertEqual(entries.first?.customer, "anna")
    }

    /// Invariant 4: no ledger entry, no prompt — and the cool-down is not spent, so the next
    /// sighting after the ledger recovers greets.
    func testFailClosedWhenTheLedgerCannotBeWritten() async throws {
        let rig = try await makeRig(readOnlyLedger: true)
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown, [])
        XCTAssertEqual(try rig.ledger.count(), 0)
        XCTAssertTrue(rig.metrics.render().contains("welkom_ledger_failures_total 1"), rig.metrics.render())
        XCTAssertTrue(rig.logs.lines.contains { $0.contains("prompt not shown") })

        let recovered = try await makeRig()
        await recovered.pipeline.handle(annaSighting())
        let nowShown = await recovered.hub.activePrompts(till: "1")
        XCTAssertEqual(nowShown.count, 1)
    }

    /// Invariant 1: without recognition enabled nobody is matched, enrolled or not.
    func testRecognitionOffMatchesNobody() async throws {
        let rig = try await makeRig(enabled: false)
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown, [])
        XCTAssertEqual(try rig.ledger.count(), 0)
        XCTAssertTrue(rig.metrics.render().contains("welkom_recognition_enabled 0"))
    }

    /// Invariant 2 in the wiring: thousands of strangers produce no log line and only aggregate metrics.
    func testStrangersProduceNoLogLinesAndNoMetricLabels() async throws {
        let rig = try await makeRig()
        var rng = SystemRandomNumberGenerator()
        var tokens: [String] = []
        let now = Date()
        for _ in 0..<5_000 {
            let token = Block128(hi: rng.next(), lo: rng.next())
            tokens.append(token.hex)
            await rig.pipeline.handle(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: token), rssi: -70, source: .radio))
        }
        await rig.pipeline.handle(Sighting(time: now, evidence: .card(normalised: "8712345678906"), till: "1", source: .card))
        XCTAssertEqual(rig.logs.lines.filter { !$0.contains("consents") }, [])
        let metrics = rig.metrics.render()
        XCTAssertTrue(metrics.contains("welkom_sightings_unmatched_total{source=\"radio\"} 5000"), metrics)
        XCTAssertTrue(metrics.contains("welkom_sightings_unmatched_total{source=\"card\"} 1"), metrics)
        for token in tokens.prefix(500) { XCTAssertFalse(metrics.contains(token)) }
        XCTAssertFalse(metrics.contains("8712345678906"))
        XCTAssertEqual(try rig.ledger.count(), 0)
    }

    /// Invariant 3 in the wiring: after a withdrawal and the reload the watcher triggers, the next
    /// sighting is not recognised.
    func testWithdrawnCustomerIsNotRecognisedAfterReload() async throws {
        let rig = try await makeRig()
        XCTAssertTrue(try ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna"))
        try await rig.pipeline.reloadConsents(at: Date())
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown, [])
        XCTAssertTrue(rig.metrics.render().contains("welkom_active_consents 0"))
    }

    /// A withdrawn customer's name leaves the till pages too, not only the tables.
    func testWithdrawalTakesTheCustomersPromptsOffTheTills() async throws {
        let rig = try await makeRig()
        await rig.pipeline.handle(annaSighting())
        let before = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(before.count, 1)
        XCTAssertTrue(try ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna"))
        try await rig.pipeline.reloadConsents(at: Date())
        let after = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(after, [])
    }

    func testConsentWatcherPicksUpAnotherProcessesWithdrawal() async throws {
        let rig = try await makeRig()
        let registry = try ConsentRegistry(dataDirectory: dir)
        let watcher = Task {
            await ConsentWatcher(registry: registry, pipeline: rig.pipeline, clock: SystemClock(),
                                 logger: Logger(label: "test")).run()
        }
        defer { watcher.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertTrue(try ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna"))
        // The watcher polls every 200 ms; wait for its reload rather than for a fixed time.
        let deadline = Date().addingTimeInterval(10)
        while await rig.pipeline.customerCount > 0, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let remaining = await rig.pipeline.customerCount
        XCTAssertEqual(remaining, 0)
    }
}

final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}

struct CapturedLogHandler: LogHandler {
    let logs: CapturedLogs
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        logs.append("\(level) \(message) \(metadata ?? [:])")
    }
}
