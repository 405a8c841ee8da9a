import ArgumentParser
import Foundation
import WelkomAudit
import WelkomChain
import WelkomCore
import WelkomLedger

extension AuditCommand {
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Counts over the ledger: entries by kind, record bodies kept, purged, erased, retention, checkpoints.")
        @OptionGroup var target: ConsentTarget
        @Option(help: ArgumentHelp("With --postgres: only this store.", valueName: "ID")) var store: String?
        @OptionGroup var settings: AuditConfigOption
        @Option(help: "text or json.") var format: StatsFormat = .text

        enum StatsFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() async throws {
            guard let data = target.local else { return try await chainStats() }
            let ledger = try openLedger(data)
            let days = try settings.load().ledger.retentionDays
            let stats = try WelkomAudit.AuditStats.compute(ledger: ledger)
            print(format == .json ? stats.json(retentionDays: days, now: Date()) : stats.text(retentionDays: days, now: Date()))
        }

        /// Per store, from its shipped entries: counts by kind, and record bodies erased.
        private func chainStats() async throws {
            let stats = try await withChainDatabase(target.postgres ?? "") { db in
                try await ChainSchema.check(db, key: nil)
                return try await ChainAudit.stats(db, store: store)
            }
            for s in stats {
                if format == .json {
                    var o = JSONObjectWriter()
                    o.add("store", s.store)
                    o.add("entries", Int(s.kinds.values.reduce(0, +)))
                    for (kind, n) in s.kinds.sorted(by: { $0.key < $1.key }) { o.add(kind, Int(n)) }
                    o.add("erased", Int(s.erased))
                    print(o.line)
                } else {
                    print("store \(s.store): \(s.kinds.values.reduce(0, +)) entries shipped ("
                          + s.kinds.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                          + "), \(s.erased) record bodies erased")
                }
            }
        }
    }
}
