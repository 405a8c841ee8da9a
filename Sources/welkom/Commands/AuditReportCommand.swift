import ArgumentParser
import Foundation
import WelkomAudit
import WelkomChain
import WelkomLedger
import WelkomRegistry

extension AuditCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a self-contained HTML report for the privacy officer.",
            discussion: """
                Verification verdict and latest checkpoint, charts (recognitions per day by scheme and by \
                till, consents given and withdrawn, retention status) as inline SVG, and the Art. 30 record \
                of processing derived from the config. Counts only: it names no customer. With --postgres: \
                one report for the chain (or --store) — every store's shipped log verified centrally, a \
                store whose log fails named at the top (and on standard output), and each store's charts. \
                Exit 0 once written, as without --postgres: `audit verify` is the check that exits 65. Only reads.
                """)
        @OptionGroup var target: ConsentTarget
        @Option(help: ArgumentHelp("With --postgres: only this store.", valueName: "ID")) var store: String?
        @OptionGroup var settings: AuditConfigOption
        @Option(help: ArgumentHelp("The HTML file to write.", valueName: "FILE")) var out: String

        func validate() throws {
            if store != nil && target.postgres == nil { throw ValidationError("--store needs --postgres") }
        }

        func run() async throws {
            guard let data = target.local else { return try await chainReport() }
            try reportLocally(data)
        }

        /// A data directory's report (blocking SQLite reads, as before chain mode).
        private func reportLocally(_ data: DataOption) throws {
            let dir = try data.existing()
            let config = try settings.load()
            let ledger = try openLedger(data)
            let stats = try WelkomAudit.AuditStats.compute(ledger: ledger)
            let verification = try ledger.verify()
            let consents = try openRegistry(dir)?.consents().count
            let report = AuditReport(stats: stats, verification: verification, config: config, generated: Date(),
                                     activeConsents: consents)
            try writeOutput(report.html, to: out)
            print("report written to \(out): \(stats.entries) entries, \(verification.line)")
        }

        /// Per store: central verification, then its counts from the shipped entries. Reads only.
        private func chainReport() async throws {
            let config = try settings.load()
            let (stores, consents, source) = try await withChainDatabase(target.postgres ?? "") { db in
                try await ChainSchema.check(db, key: nil)
                var stores: [ChainAuditReport.Store] = []
                for v in try await ChainAudit.verify(db, store: store) {
                    var builder = WelkomAudit.AuditStats.Builder()
                    for g in try await ChainAudit.countGroups(db, store: v.store) {
                        builder.add(day: g.day, kind: g.kind, record: g.record, scheme: g.scheme, till: g.till, count: g.count,
                                    linked: g.linked, first: g.first, last: g.last)
                    }
                    let stats = builder.stats(checkpoints: try await ChainAudit.checkpoints(db, store: v.store), notes: [:])
                    stores.append(ChainAuditReport.Store(id: v.store, stats: stats, verifiedEntries: v.entries,
                                                         checkpointsVerified: v.checkpointsVerified,
                                                         lastVerifiedCheckpoint: v.lastVerifiedCheckpoint, failure: v.failure))
                }
                return (stores, try await ChainAudit.consentCount(db), db.url.description)
            }
            let report = ChainAuditReport(stores: stores, source: source, config: config, generated: Date(), centralConsents: consents)
            try writeOutput(report.html, to: out)
            print("report written to \(out): \(stores.count) store(s), \(stores.reduce(0) { $0 + $1.stats.entries }) entries shipped")
            for s in report.failed {
                print("store \(s.id): FAILED after \(s.verifiedEntries) entries: \(s.failure ?? "")")
            }
        }
    }
}
