import ArgumentParser
import Foundation
import WelkomChain
import WelkomCore
import WelkomLedger

extension LedgerEntryKind: ExpressibleByArgument {}

extension AuditCommand {
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
            abstract: "Print the ledger entries that match every condition given, in the export's format.",
            discussion: """
                Kinds: \(LedgerEntryKind.allCases.map(\.rawValue).joined(separator: ", ")). With --postgres: \
                the entries every store shipped (or --store's), store by store, each line naming its store \
                (a "store" key first in JSON, a first "store" column in CSV). Only reads.
                """)
        @OptionGroup var target: ConsentTarget
        @Option(help: ArgumentHelp("With --postgres: only this store.", valueName: "ID")) var store: String?
        @Option(help: "Entries linked to this customer ID.") var customer: String?
        @Option(help: ArgumentHelp("From this time on (YYYY-MM-DD or RFC 3339).", valueName: "TIME")) var from: String?
        @Option(help: ArgumentHelp("Before this time (YYYY-MM-DD or RFC 3339).", valueName: "TIME")) var until: String?
        @Option(help: "At this till.") var till: String?
        @Option(help: "Of this kind (repeatable).") var kind: [LedgerEntryKind] = []
        @Option(help: "jsonl or csv.") var format: AuditExportFormat = .jsonl

        func validate() throws {
            if let from { _ = try parseAuditTime(from, option: "--from") }
            if let until { _ = try parseAuditTime(until, option: "--until") }
            if store != nil && target.postgres == nil { throw ValidationError("--store needs --postgres") }
        }

        private func conditions() throws -> LedgerQuery {
            LedgerQuery(customer: customer, kinds: Set(kind), till: till,
                        from: try from.map { try parseAuditTime($0, option: "--from") },
                        until: try until.map { try parseAuditTime($0, option: "--until") })
        }

        func run() async throws {
            guard let data = target.local else { return try await queryChain() }
            try queryLocally(data)
        }

        /// A data directory's ledger (blocking SQLite reads, as before chain mode).
        private func queryLocally(_ data: DataOption) throws {
            let ledger = try openLedger(data)
            var query = try conditions()
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

        /// The shipped entries, read-only: the same conditions, evaluated by the database.
        private func queryChain() async throws {
            let query = try conditions()
            let csv = format == .csv
            try await withChainDatabase(target.postgres ?? "") { db in
                try await ChainSchema.check(db, key: nil)
                // Checked before the header, so an unknown store prints nothing on stdout.
                _ = try await ChainAudit.stores(db, only: store)
                if csv { print(ChainAudit.csvHeader) }
                try await ChainAudit.entries(db, store: store, query: query) { s, entry in
                    print(csv ? ChainAudit.csvLine(store: s, entry) : ChainAudit.jsonLine(store: s, entry))
                }
            }
        }
    }
}
