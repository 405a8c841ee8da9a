import ArgumentParser
import Foundation
import WelkomLedger

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The privacy officer's tools for the ledger (the tamper-evident match log).",
        subcommands: [Verify.self, Export.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no ledger entry was altered, inserted or removed.",
            discussion: "Exit 0 when intact; exit 65 naming the first bad entry when not.")
        @OptionGroup var data: DataOption

        func run() throws {
            switch try Ledger(dataDirectory: data.existing(), readOnly: true).verify() {
            case let .intact(entries, head):
                print("ledger intact: \(entries) entries, head \(head)")
            case let .broken(seq, reason):
                print("ledger BROKEN at entry \(seq): \(reason)")
                throw Exit.dataError
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every ledger entry, one JSON object per line.",
            discussion: "Keys: seq, time, kind, customer (null once unlinked), scheme, till, prompt, detail, hash.")
        @OptionGroup var data: DataOption
        @Option(help: "jsonl.") var format: String = "jsonl"

        func validate() throws {
            guard format == "jsonl" else { throw ValidationError("--format: only jsonl for now") }
        }

        func run() throws {
            try Ledger(dataDirectory: data.existing(), readOnly: true).exportJSONLines { print($0) }
        }
    }
}
