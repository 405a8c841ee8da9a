import ArgumentParser
import Foundation
import WelkomLedger

extension AuditCommand {
    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "purge",
            abstract: "Retention: delete record bodies older than ledger.retention_days.",
            discussion: """
                Deletes the bodies of recognitions, acknowledgements and dismissals older than the retention \
                period and records a purge entry; consent records stay as proof of consent. The tree and its \
                proofs still verify. The running agent does the same daily.
                """)
        @OptionGroup var data: DataOption
        @OptionGroup var settings: AuditConfigOption
        @Option(name: .customLong("retention-days"), help: ArgumentHelp("Override ledger.retention_days.", valueName: "N"))
        var retentionDays: Int?
        @Option(name: .customLong("as-of"), help: ArgumentHelp("Purge as if it were this time (YYYY-MM-DD or RFC 3339).", valueName: "TIME"))
        var asOf: String?

        func validate() throws {
            if let retentionDays, retentionDays < 1 { throw ValidationError("--retention-days: at least 1") }
            if let asOf { _ = try parseAuditTime(asOf, option: "--as-of") }
        }

        func run() throws {
            let dir = try data.existing()
            try requireWritableDataDirectory(dir)
            let days = try retentionDays ?? settings.load().ledger.retentionDays
            let now = try asOf.map { try parseAuditTime($0, option: "--as-of") } ?? Date()
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let ledger = try Ledger(dataDirectory: dir)
            let (purged, entry) = try ledger.purge(before: cutoff, at: now)
            if entry != nil { _ = try ledger.writeCheckpoint(at: now, onlyIfGrown: true) }
            print("purged \(purged) record bodies older than \(LedgerTime.rfc3339(cutoff)) (\(days) days)"
                  + (entry.map { ", purge entry \($0.seq)" } ?? ""))
        }
    }
}
