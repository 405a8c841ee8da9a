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

/// One recognition, several prompts (greeting, staff note, offer): one ledger entry per prompt,
/// each durable before its prompt shows; none shown when the ledger cannot be written.
final class PipelinePromptsTests: XCTestCase {
    let key = Block128(hex: "00112233445566778899aabbccddeeff")!
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-prompts-\(UUID().uuidString)")
        let registry = try ConsentRegistry(dataDirectory: dir)
        try registry.enroll(Enrolment(customer: "anna", scopes: Set(Scope.allCases), name: "Anna", language: .nl,
                                      beaconKey: key, note: "Liever geen Air Miles-vraag", tags: ["coffee"]))
        _ = try Ledger(dataDirectory: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func rig(readOnlyLedger: Bool = false) async throws -> (Pipeline, TillHub, Ledger) {
        let registry = try ConsentRegistry(dataDirectory: dir)
        let ledger = try Ledger(dataDirectory: dir, readOnly: readOnlyLedger)
        let settings = WelkomPolicy.PolicySettings(offers: [Offer(id: "koffie", text: [.nl: "2e koffie gratis"], tags: ["coffee"])])
        let pipeline = Pipeline(recogniser: Recogniser(settings: .init(enabled: true), pepper: registry.pepper),
                                policy: Policy(settings: settings), ledger: ledger, registry: registry,
                                metrics: AgentMetrics(), logger: Logger(label: "test"), onEvent: { _ in })
        let hub = TillHub(tills: [TillInfo(id: "1", name: "Kassa 1")], logger: Logger(label: "test")) { _ in }
        await pipeline.attach(hub)
        try await pipeline.reloadConsents(at: Date())
        return (pipeline, hub, ledger)
    }

    func sighting() -> Sighting {
        let now = Date()
        return Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: key, at: now)!),
                        rssi: -50, source: .radio)
    }

    func testEachPromptHasItsOwnLedgerEntry() async throws {
        let (pipeline, hub, ledger) = try await rig()
        await pipeline.handle(sighting())
        let shown = await hub.activePrompts(till: "1")
        XCTAssertEqual(shown.map(\.kind), [.greeting, .note, .offer])
        XCTAssertEqual(shown.map(\.text), ["Welkom terug, Anna", "Liever geen Air Miles-vraag", "2e koffie gratis"])
        let entries = try ledger.entries().filter { $0.kind == .recognition }
        XCTAssertEqual(entries.map(\.prompt), shown.map(\.id))
        XCTAssertEqual(entries.map(\.detail), ["prompt=greeting", "prompt=note", "prompt=offer"])
        XCTAssertEqual(Set(entries.compactMap(\.customer)), ["anna"])
    }

    func testNoneShownWithoutTheLedger() async throws {
        let (pipeline, hub, ledger) = try await rig(readOnlyLedger: true)
        await pipeline.handle(sighting())
        let shown = await hub.activePrompts(till: "1")
        XCTAssertEqual(shown, [])
        let count = try await ledger.count()
        XCTAssertEqual(count, 0)
        // The cool-downs of the unshown prompts are undone (Policy.forget; PolicyTests), so the
        // sighting after the ledger recovers shows all three.
    }
}
