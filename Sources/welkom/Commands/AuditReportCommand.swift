import ArgumentParser
import Foundation
import WelkomAudit
import WelkomLedger
import WelkomRegistry

extension AuditCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write a self-contained HTML report for the privacy officer.",
            discussion: """
                Verification verdict and latest checkpoint, charts (recognitions per day by scheme and by \
                till, consents given and withdrawn, retention status) as inline SVG, and the Art. 30 record \
                of processing derived from the config. Counts only: it names no customer.
                """)
        @OptionGroup var data: DataOption
        @OptionGroup var settings: AuditConfigOption
        @Option(help: ArgumentHelp("The HTML file to write.", valueName: "FILE")) var out: String

        func run() throws {
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
    }
}
