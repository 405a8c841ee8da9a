import ArgumentParser
import Foundation
import WelkomAudit
import WelkomLedger

extension AuditCommand {
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Counts over the ledger: entries by kind, record bodies kept, purged, erased, retention, checkpoints.")
        @OptionGroup var data: DataOption
        @OptionGroup var settings: AuditConfigOption
        @Option(help: "text or json.") var format: StatsFormat = .text

        enum StatsFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            let ledger = try openLedger(data)
            let days = try settings.load().ledger.retentionDays
            let stats = try WelkomAudit.AuditStats.compute(ledger: ledger)
            print(format == .json ? stats.json(retentionDays: days, now: Date()) : stats.text(retentionDays: days, now: Date()))
        }
    }
}
