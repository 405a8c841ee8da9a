import ArgumentParser
import Foundation
import WelkomChain
import WelkomLedger

enum AuditExportFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
}

extension AuditCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print every ledger entry, one JSON object per line (or CSV).",
            discussion: """
                JSON keys: seq, time, kind, customer (null once unlinked or erased), scheme, till, prompt, \
                detail, hash (the RFC 9162 leaf hash), record (kept, purged or erased), receipt (a consent \
                record's receipt, else null). With --proofs each line also has "inclusion" (its audit path \
                in the latest signed checkpoint, null for newer entries) and a last line holds that \
                checkpoint; --checkpoint adds only the last line. With --postgres: every store's shipped \
                entries (or --store's), each line starting with "store".
                """)
        @OptionGroup var target: ConsentTarget
        @Option(help: ArgumentHelp("With --postgres: only this store.", valueName: "ID")) var store: String?
        @Option(help: "jsonl or csv.") var format: AuditExportFormat = .jsonl
        @Flag(help: "Add each entry's inclusion proof and the checkpoint it proves against (jsonl).") var proofs = false
        @Flag(help: "End with the latest signed checkpoint (jsonl).") var checkpoint = false

        func validate() throws {
            if format == .csv && (proofs || checkpoint) {
                throw ValidationError("--proofs and --checkpoint need --format jsonl")
            }
        }

        func run() async throws {
            guard let data = target.local else {
                guard format == .jsonl, !proofs, !checkpoint else {
                    throw ValidationError("with --postgres: --format jsonl, without --proofs or --checkpoint (audit verify --postgres checks the checkpoints)")
                }
                return try await withChainDatabase(target.postgres ?? "") { db in
                    try await ChainSchema.check(db, key: nil)
                    try await ChainAudit.exportLines(db, store: store) { print($0) }
                }
            }
            let ledger = try openLedger(data)
            switch format {
            case .csv:
                try ledger.exportCSV { print($0) }
            case .jsonl:
                let latest = proofs || checkpoint ? try ledger.latestCheckpoint() : nil
                try ledger.exportJSONLines(proofsAgainst: proofs ? latest : nil) { print($0) }
                if let latest { print(latest.json) }
            }
        }
    }
}
