import Logging
import WelkomCore
import XCTest
@testable import WelkomAgent
@testable import WelkomRadio

/// SourceHealth after a reload: /healthz lists the sources running now, a stop recorded for a
/// source the reload removed is forgotten, and the removed sources' counters stay in the totals.
final class SourceHealthTests: XCTestCase {
    struct Named: SightingSource {
        let name: String
        func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {}
    }

    func testAReloadReplacesTheSourcesAndKeepsTheStoppedOnesCounts() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-health-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A radio that replayed a capture with one malformed report, then stopped for good.
        let capture = dir.appendingPathComponent("c.btsnoop").path
        let writer = try BtsnoopWriter(path: capture)
        try writer.write(packet: [0x04, 0x3E, 0x05, 0x02, 0x01, 0x00, 0x00, 0x01], controllerToHost: true, at: Date())
        writer.close()
        let radio = RadioSource(spec: .btsnoop(path: capture), logger: Logger(label: "test"))
        try await radio.run(onSighting: { _ in })
        XCTAssertEqual(radio.stats.malformedReports, 1)

        let reader = Named(name: "reader(serial /dev/a, till 1)")
        let health = SourceHealth(sources: [radio, reader])
        _ = health.recordStop(radio, error: BtsnoopError.notBtsnoop(path: capture))
        XCTAssertFalse(health.report().healthy)

        let other = Named(name: "reader(serial /dev/b, till 1)")
        health.replaced(stopped: [radio, reader], running: [other])
        let report = health.report()
        XCTAssertTrue(report.healthy, report.text)
        XCTAssertEqual(report.lines, ["reader(serial /dev/b, till 1): running"])
        XCTAssertEqual(health.sources.map(\.name), [other.name])
        XCTAssertEqual(health.totals().radio.malformedReports, 1, "the stopped radio's count is kept")

        health.replaced(stopped: [other], running: [])
        XCTAssertEqual(health.report().lines, ["no sources configured"])
        XCTAssertEqual(health.totals().radio.malformedReports, 1)
    }
}
