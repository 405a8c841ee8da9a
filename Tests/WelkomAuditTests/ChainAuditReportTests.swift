import Foundation
import WelkomAudit
import WelkomConfig
import WelkomCore
import WelkomLedger
import WelkomTesting
import XCTest

/// The chain's report: a store whose shipped log fails is named before anything else, every store
/// has its own charts (IDs kept apart), and it names no customer.
final class ChainAuditReportTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_795_975_200)  // 2026-11-29T18:00:00Z

    func stats(recognitions: Int, customer: String) -> AuditStats {
        var builder = AuditStats.Builder()
        for i in 0..<recognitions {
            builder.add(LedgerStoredEntry(
                entry: LedgerEntry(seq: Int64(i + 1), time: t0.addingTimeInterval(Double(i) * 86_400), kind: .recognition,
                                   customer: customer, scheme: i % 2 == 0 ? .card : .wlk1, till: "1", prompt: "p", detail: nil,
                                   hash: String(repeating: "0", count: 64)),
                record: .kept, receipt: nil, leafHash: [UInt8](repeating: 0, count: 32)))
        }
        return builder.stats(checkpoints: [], notes: [:])
    }

    func testAFailingStoreIsNamedFirstAndEachStoreHasItsCharts() throws {
        let report = ChainAuditReport(
            stores: [
                .init(id: "delft", stats: stats(recognitions: 4, customer: "anna-secret"), verifiedEntries: 1, checkpointsVerified: 0,
                      lastVerifiedCheckpoint: nil, failure: "checkpoint 3: its root does not match the shipped entries <script>"),
                .init(id: "den-haag", stats: stats(recognitions: 2, customer: "bert-secret"), verifiedEntries: 2,
                      checkpointsVerified: 1, lastVerifiedCheckpoint: 1, failure: nil),
            ],
            source: "postgres://welkom@db.example:5432/welkom", config: .defaults, generated: t0.addingTimeInterval(5 * 86_400),
            centralConsents: 7)
        XCTAssertEqual(report.failed.map(\.id), ["delft"])
        let html = report.html
        let box = try XCTUnwrap(html.range(of: "id=\"failed-stores\""))
        XCTAssertLessThan(box.lowerBound, try XCTUnwrap(html.range(of: "id=\"stores\"")).lowerBound)
        XCTAssertTrue(html.contains("data-store=\"delft\">Store delft: checkpoint 3: its root does not match the shipped entries &lt;script&gt;"))
        XCTAssertFalse(html.contains("<script"), "escaped, and no script of its own")
        for store in ["delft", "den-haag"] {
            for chart in ["chart-recognitions-by-scheme", "chart-recognitions-by-till", "chart-consents", "chart-retention"] {
                XCTAssertTrue(html.contains("id=\"\(chart)-\(store)\""), "\(chart)-\(store)")
            }
        }
        XCTAssertTrue(html.contains("id=\"verdict-delft\" class=\"bad\""))
        XCTAssertTrue(html.contains("id=\"verdict-den-haag\" class=\"ok\">Intact: 2 entries, 1 signed checkpoint(s) hold, the latest #1."))
        XCTAssertTrue(html.contains("Consents in the central registry: 7."))
        XCTAssertTrue(html.contains("data-series=\"card\"") && html.contains("data-series=\"wlk1\""))
        XCTAssertFalse(html.contains("anna-secret") || html.contains("bert-secret"), "the report names nobody")
        // IDs appear once each: a browser (and the privacy officer's links) find the right store.
        let ids = html.matches(of: /id="([^"]+)"/).map { String($0.1) }
        XCTAssertEqual(ids.count, Set(ids).count, "duplicate element IDs")
    }

    func testAllIntact() {
        let report = ChainAuditReport(stores: [.init(id: "delft", stats: stats(recognitions: 1, customer: "c"), verifiedEntries: 1,
                                                     checkpointsVerified: 0, lastVerifiedCheckpoint: nil, failure: nil)],
                                      source: "postgres://welkom@h:5432/w", config: .defaults, generated: t0, centralConsents: nil)
        XCTAssertTrue(report.html.contains("id=\"verdict\" class=\"ok\">Every store's shipped log verifies (1 store(s)).</p>"))
        XCTAssertFalse(report.html.contains("failed-stores"))
    }
}

/// The chain's counts arrive grouped (ChainAudit.countGroups); fed to the builder they give the
/// same statistics as the entries one by one.
final class AuditStatsGroupedTests: XCTestCase {
    func testGroupedCountsGiveTheSameStats() {
        var rng = TestSeed.generator(for: self)
        func next() -> UInt64 { rng.next() }
        let t0 = Date(timeIntervalSince1970: 1_795_975_200)
        var entries: [LedgerStoredEntry] = []
        for i in 0..<400 {
            let kind = LedgerEntryKind.allCases[Int(next() % UInt64(LedgerEntryKind.allCases.count))]
            let record: LedgerStoredEntry.Record = [.kept, .kept, .erased, .purged][Int(next() % 4)]
            entries.append(LedgerStoredEntry(
                entry: LedgerEntry(seq: Int64(i + 1), time: t0.addingTimeInterval(Double(next() % 864_000)), kind: kind,
                                   customer: next() % 3 == 0 ? nil : "c\(next() % 5)", scheme: [.card, .wlk1, nil][Int(next() % 3)],
                                   till: ["1", "2", nil][Int(next() % 3)], prompt: nil, detail: nil, hash: ""),
                record: record, receipt: nil, leafHash: []))
        }
        var one = AuditStats.Builder()
        for e in entries { one.add(e) }
        // Grouped as the database groups them.
        var groups: [String: (LedgerStoredEntry, count: Int, linked: Int, first: Date, last: Date)] = [:]
        for e in entries {
            let recognition = e.entry.kind == .recognition
            let key = "\(LedgerTime.rfc3339(e.entry.time).prefix(10))|\(e.entry.kind)|\(e.record)|"
                + "\(recognition ? e.entry.scheme?.rawValue ?? "-" : "-")|\(recognition ? e.entry.till ?? "-" : "-")"
            var g = groups[key] ?? (e, 0, 0, e.entry.time, e.entry.time)
            g.count += 1
            g.linked += e.entry.customer == nil ? 0 : 1
            g.first = min(g.first, e.entry.time)
            g.last = max(g.last, e.entry.time)
            groups[key] = g
        }
        var grouped = AuditStats.Builder()
        for g in groups.values {
            let e = g.0.entry
            grouped.add(day: String(LedgerTime.rfc3339(e.time).prefix(10)), kind: e.kind, record: g.0.record,
                        scheme: e.kind == .recognition ? e.scheme?.rawValue : nil, till: e.kind == .recognition ? e.till : nil,
                        count: g.count, linked: g.linked, first: g.first, last: g.last)
        }
        XCTAssertEqual(grouped.stats(checkpoints: [], notes: [:]), one.stats(checkpoints: [], notes: [:]))
    }
}
