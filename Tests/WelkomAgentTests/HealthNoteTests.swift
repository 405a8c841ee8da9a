import WelkomCore
import XCTest
@testable import WelkomAgent

/// /healthz with a note besides the sources (chain mode's line): a degraded note keeps the agent
/// healthy (200) with `degraded` first; a source stopped for good still makes it unhealthy.
final class HealthNoteTests: XCTestCase {
    struct Named: SightingSource {
        let name: String
        func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {}
    }
    struct Broken: Error {}

    func testDegradedIsHealthyAndSaysSoFirst() {
        let reader = Named(name: "reader(serial /dev/a, till 1)")
        let unreachable = HealthNote(line: "chain database unreachable since 2026-12-06T09:40:12Z: refused; recognising from local state",
                                     degraded: true)
        let health = SourceHealth(sources: [reader], notes: [{ unreachable }])
        var report = health.report()
        XCTAssertTrue(report.healthy)
        XCTAssertTrue(report.degraded)
        XCTAssertEqual(report.text, "degraded\nreader(serial /dev/a, till 1): running\n" + unreachable.line + "\n")

        let connected = SourceHealth(sources: [reader], notes: [{ HealthNote(line: "chain: connected as store delft", degraded: false) }])
        XCTAssertEqual(connected.report().text, "ok\nreader(serial /dev/a, till 1): running\nchain: connected as store delft\n")

        _ = health.recordStop(reader, error: Broken())
        report = health.report()
        XCTAssertFalse(report.healthy, "a stopped source outranks a degraded chain")
        XCTAssertTrue(report.text.hasPrefix("unhealthy\n"), report.text)
        XCTAssertTrue(report.text.hasSuffix(unreachable.line + "\n"))
    }
}
