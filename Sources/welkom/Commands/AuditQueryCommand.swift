import ArgumentParser
import Foundation
import WelkomCore
import WelkomLedger

extension LedgerEntryKind: ExpressibleByArgument {}

extension AuditCommand {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
            abstract: "Print the ledger entries that match every condition given, in the export's format.",
            discussion: "Kinds: \(LedgerEntryKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        @OptionGroup var data: DataOption
        @Option(help: "Entries linked to this customer ID.") var customer: String?
        @Option(help: ArgumentHelp("From this time on (YYYY-MM-DD or RFC 3339).", valueName: "TIME")) var from: String?
        @Option(help: ArgumentHelp("Before this time (YYYY-MM-DD or RFC 3339).", valueName: "TIME")) var until: String?
        @Option(help: "At this till.") var till: String?
        @Option(help: "Of this kind (repeatable).") var kind: [LedgerEntryKind] = []
        @Option(help: "jsonl or csv.") var format: AuditExportFormat = .jsonl

        func validate() throws {
            if let from { _ = try parseAuditTime(from, option: "--from") }
            if let until { _ = try parseAuditTime(until, option: "--until") }
        }

        func run() throws {
            let ledger = try openLedger(data)
            var query = LedgerQuery(customer: customer, kinds: Set(kind), till: till,
                                    from: try from.map { try parseAuditTime($0, option: "--from") },
                                    until: try until.map { try parseAuditTime($0, option: "--until") })
            query.limit = 1000
            if format == .csv { print(LedgerCSVLine.header) }
            while true {
                let batch = try ledger.stored(query)
                guard let last = batch.last else { break }
                for s in batch {
                    print(format == .csv ? LedgerCSVLine.line(s) : LedgerJSONLine.line(s))
                }
                query.after = last.entry.seq
            }
        }
    }
}
