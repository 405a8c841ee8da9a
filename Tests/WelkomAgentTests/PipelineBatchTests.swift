import Logging
import Synchronization
import XCTest
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomTesting
import WelkomTillHub
@testable import WelkomAgent

/// A radio read's sightings in one step (`handle(batch:)`, the agent's radio path) and a replay's
/// batches (`run(batches:)`) do what one `handle` per sighting does: the same greetings and
/// ledger entries, the same counters at /metrics, and nothing of the strangers anywhere.
final class PipelineBatchTests: XCTestCase {
    let annaKey = Block128(hex: "00112233445566778899aabbccddeeff")!
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-batch-\(UUID().uuidString)")
        let registry = try ConsentRegistry(dataDirectory: dir)
        try registry.enroll(Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .nl,
                                      beaconKey: annaKey, cards: [], expires: nil, consentTextVersion: "v1", note: nil))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func ledger(_ name: String) throws -> Ledger {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try Ledger(dataDirectory: url)
    }

    func makePipeline(ledger: Ledger?, metrics: AgentMetrics,
                      onRecognition: (@Sendable (Recognition) -> Void)? = nil) async throws -> (Pipeline, TillHub) {
        let registry = try ConsentRegistry(dataDirectory: dir)
        let pipeline = Pipeline(recogniser: Recogniser(settings: .init(enabled: true), pepper: registry.pepper),
                                policy: Policy(settings: .init()), ledger: ledger, registry: registry, metrics: metrics,
                                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                                onRecognition: onRecognition, onEvent: { _ in })
        let hub = TillHub(tills: [TillInfo(id: "1", name: "Kassa 1")], logger: Logger(label: "test")) { _ in }
        await pipeline.attach(hub)
        try await pipeline.reloadConsents(at: Date())
        return (pipeline, hub)
    }

    /// Strangers' reports with Anna's four among them, and a card nobody enrolled.
    func sightings(_ rng: inout some RandomNumberGenerator, now: Date) -> [Sighting] {
        var out: [Sighting] = []
        for i in 0..<3_000 {
            let token = i % 700 == 350 ? WLK1.token(beaconKey: annaKey, at: now)! : Block128(hi: rng.next(), lo: rng.next())
            out.append(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: token), rssi: -60, source: .radio))
            if i == 1_500 { out.append(Sighting(time: now, evidence: .card(normalised: "8712345678906"), till: "1", source: .card)) }
        }
        return out
    }

    func testBatchesGreetAndCountAsOneSightingAtATimeDoes() async throws {
        var rng = TestSeed.generator(for: self)
        let all = sightings(&rng, now: Date())

        let oneLedger = try ledger("one")
        let oneMetrics = AgentMetrics()
        let (one, oneHub) = try await makePipeline(ledger: oneLedger, metrics: oneMetrics)
        for s in all { await one.handle(s) }

        let batchLedger = try ledger("batch")
        let batchMetrics = AgentMetrics()
        let (batched, batchHub) = try await makePipeline(ledger: batchLedger, metrics: batchMetrics)
        for start in stride(from: 0, to: all.count, by: 256) {
            await batched.handle(batch: Array(all[start..<min(all.count, start + 256)]))
        }

        let oneShown = await oneHub.activePrompts(till: "1").map(\.text)
        let batchShown = await batchHub.activePrompts(till: "1").map(\.text)
        XCTAssertEqual(oneShown, ["Welkom terug, Anna"])
        XCTAssertEqual(batchShown, oneShown)
        XCTAssertEqual(try batchLedger.entries().map(\.kind), try oneLedger.entries().map(\.kind))
        let rendered = batchMetrics.render()
        for line in ["welkom_sightings_total{source=\"radio\"} 3000", "welkom_sightings_unmatched_total{source=\"radio\"} 2996",
                     "welkom_sightings_total{source=\"card\"} 1", "welkom_sightings_unmatched_total{source=\"card\"} 1",
                     "welkom_recognitions_total{scheme=\"wlk1\"} 4"] {
            XCTAssertTrue(rendered.contains(line), "\(line) in\n\(rendered)")
        }
        // Rendering twice publishes nothing twice.
        XCTAssertTrue(batchMetrics.render().contains("welkom_sightings_total{source=\"radio\"} 3000"))
        // The registry emits its metrics in no fixed order: compare them line by line.
        XCTAssertEqual(oneMetrics.render().split(separator: "\n").sorted(), rendered.split(separator: "\n").sorted())
        XCTAssertEqual(batchMetrics.unmatchedTotal, 2997)
    }

    func testReplayBatchesGiveEveryRecognition() async throws {
        var rng = TestSeed.generator(for: self)
        let all = sightings(&rng, now: Date())
        let recognitions = RecognitionCount()
        let (pipeline, _) = try await makePipeline(ledger: nil, metrics: AgentMetrics(), onRecognition: { _ in recognitions.add() })
        let batches = AsyncStream<[Sighting]> { continuation in
            for start in stride(from: 0, to: all.count, by: 1_000) { continuation.yield(Array(all[start..<min(all.count, start + 1_000)])) }
            continuation.finish()
        }
        try await pipeline.run(batches: batches, sweepInterval: 60)
        XCTAssertEqual(recognitions.value, 4)
    }
}

final class RecognitionCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
