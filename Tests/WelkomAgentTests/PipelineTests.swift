import Logging
import XCTest
import WelkomConsent
import WelkomTesting
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

    func makeRig(enabled: Bool = true, readOnlyLedger: Bool = false, greetEverySighting: Bool = false) async throws -> Rig {
        let logs = CapturedLogs()
        let logger = Logger(label: "test") { _ in CapturedLogHandler(logs: logs) }
        let registry = try ConsentRegistry(dataDirectory: dir)
        let ledger = try Ledger(dataDirectory: dir, readOnly: readOnlyLedger)
        let metrics = AgentMetrics()
        let pipeline = Pipeline(
            recogniser: Recogniser(settings: .init(enabled: enabled), pepper: registry.pepper),
            policy: Policy(settings: greetEverySighting ? .init(cooldowns: [.greeting: 0, .note: 0, .offer: 0]) : .init()),
            ledger: ledger, registry: registry,
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
        let count = try await rig.ledger.count()
        XCTAssertEqual(count, 0)
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
        let count = try await rig.ledger.count()
        XCTAssertEqual(count, 0)
        XCTAssertTrue(rig.metrics.render().contains("welkom_recognition_enabled 0"))
    }

    /// Invariant 2 in the wiring: thousands of strangers produce no log line and only aggregate metrics.
    func testStrangersProduceNoLogLinesAndNoMetricLabels() async throws {
        let rig = try await makeRig()
        var rng = TestSeed.generator(for: self)
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
        let count = try await rig.ledger.count()
        XCTAssertEqual(count, 0)
    }

    /// Invariant 3 in the wiring: after a withdrawal and the reload the watcher triggers, the next
    /// sighting is not recognised.
    func testWithdrawnCustomerIsNotRecognisedAfterReload() async throws {
        let rig = try await makeRig()
        let withdrawn = try await ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna")
        XCTAssertTrue(withdrawn)
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
        let withdrawn = try await ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna")
        XCTAssertTrue(withdrawn)
        try await rig.pipeline.reloadConsents(at: Date())
        let after = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(after, [])
    }

    /// `welkom consent withdraw` in another process reaches the agent over DATA/agent.sock and
    /// returns only once the agent's tables no longer match the customer.
    func testAWithdrawalOverTheControlSocketIsAppliedWhenTheCallReturns() async throws {
        let rig = try await makeRig()
        let applier = ConsentApplier(pipeline: rig.pipeline, clock: SystemClock(), logger: Logger(label: "test"))
        let running = Task { await applier.run() }
        let server = try await AgentControlServer.start(dataDirectory: dir, applier: applier, logger: Logger(label: "test"))
        defer { running.cancel() }
        let client = AgentControlClient(dataDirectory: dir, timeoutSeconds: 10)
        let customers = await rig.pipeline.customerCount
        XCTAssertEqual(customers, 1)
        let withdrawn = try await ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna")
        XCTAssertTrue(withdrawn)
        let notice = try await client.apply(.withdrawn("anna"))
        XCTAssertEqual(notice, .applied)
        let after = await rig.pipeline.customerCount
        XCTAssertEqual(after, 0, "applied before the answer, not some time after")
        let recognised = await rig.pipeline.handle(annaSighting())
        XCTAssertFalse(recognised)

        // A second agent on the same data directory is refused while this one answers…
        do {
            _ = try await AgentControlServer.start(dataDirectory: dir, applier: applier, logger: Logger(label: "test"))
            XCTFail("a second agent started on the same data directory")
        } catch {
            XCTAssertTrue("\(error)".contains("another agent is already running"), "\(error)")
        }
        // …and once it stops, the CLI hears that no agent runs.
        await server.stop()
        let none = try await client.apply(.withdrawn("anna"))
        XCTAssertEqual(none, .noAgentRunning)
    }

    /// New recognition settings (SIGHUP) go through the applier like any consent change: the
    /// recogniser takes the new settings, keeps everyone enrolled, and a withdrawal applied before
    /// the swap is not undone by the swap's registry read.
    func testARecogniserSwapKeepsEnrolmentsAndAnEarlierWithdrawal() async throws {
        let rig = try await makeRig()
        let applier = ConsentApplier(pipeline: rig.pipeline, clock: SystemClock(), logger: Logger(label: "test"))
        let running = Task { await applier.run() }
        defer { running.cancel() }
        let service = ConsentService(registry: try ConsentRegistry(dataDirectory: dir), ledger: rig.ledger, agent: applier)
        try await service.enroll(Enrolment(customer: "ben", scopes: [.greeting], language: .en,
                                           beaconKey: Block128(hex: "ffeeddccbbaa99887766554433221100")!))
        _ = try await service.withdraw("anna")
        try await applier.replaceRecogniser(settings: .init(enabled: true, skewWindows: 2))
        let settings = await rig.pipeline.recogniserSettings
        XCTAssertEqual(settings.skewWindows, 2)
        let count = await rig.pipeline.customerCount
        XCTAssertEqual(count, 1, "ben stays, anna stays withdrawn")
        let annaRecognised = await rig.pipeline.handle(annaSighting())
        XCTAssertFalse(annaRecognised)
    }

    /// A socket file left by an agent that died: no agent runs, and the next one starts.
    func testAStaleSocketMeansNoAgentAndIsReplaced() async throws {
        let rig = try await makeRig()
        let path = dir.appendingPathComponent("agent.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        close(fd)  // bound, never listened: what a killed agent leaves
        let none = try await AgentControlClient(dataDirectory: dir, timeoutSeconds: 2).apply(.reload)
        XCTAssertEqual(none, .noAgentRunning)
        let applier = ConsentApplier(pipeline: rig.pipeline, clock: SystemClock(), logger: Logger(label: "test"))
        let running = Task { await applier.run() }
        defer { running.cancel() }
        let server = try await AgentControlServer.start(dataDirectory: dir, applier: applier, logger: Logger(label: "test"))
        let applied = try await AgentControlClient(dataDirectory: dir, timeoutSeconds: 10).apply(.reload)
        XCTAssertEqual(applied, .applied)
        await server.stop()
    }

    /// Invariant 3 against deliveries in flight: sightings of the customer keep arriving while she
    /// withdraws; whatever the interleaving, once the withdrawal (agent, then ledger) is done no
    /// entry names her and no prompt of hers is up — and none appears later.
    func testAWithdrawalDuringDeliveriesLeavesNoEntryOrPromptOfTheCustomer() async throws {
        let rig = try await makeRig(greetEverySighting: true)
        let applier = ConsentApplier(pipeline: rig.pipeline, clock: SystemClock(), logger: Logger(label: "test"))
        let running = Task { await applier.run() }
        defer { running.cancel() }
        let service = ConsentService(registry: try ConsentRegistry(dataDirectory: dir), ledger: rig.ledger, agent: applier)
        let annaKey = self.annaKey
        var rng = TestSeed.generator(for: self)
        for round in 0..<40 {
            let pipeline = rig.pipeline
            let fob = Task {
                var n = 0
                while !Task.isCancelled && n < 400 {
                    let now = Date()
                    await pipeline.handle(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: annaKey, at: now)!),
                                                   rssi: -50, source: .radio))
                    n += 1
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...3, using: &rng)))
            let outcome = try await service.withdraw("anna")
            XCTAssertNotNil(outcome, "round \(round)")
            let named = try await rig.ledger.stored(LedgerQuery(customer: "anna"))
            XCTAssertEqual(named.count, 0, "round \(round): an entry names her after the withdrawal")
            let up = await rig.hub.activePrompts(till: "1").filter { $0.customer == "anna" }
            XCTAssertEqual(up, [], "round \(round): her prompt is up after the withdrawal")
            fob.cancel()
            await fob.value
            let later = try await rig.ledger.stored(LedgerQuery(customer: "anna"))
            XCTAssertEqual(later.count, 0, "round \(round): an entry written after the withdrawal names her")
            try await service.enroll(Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .nl,
                                               beaconKey: annaKey))
        }
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
