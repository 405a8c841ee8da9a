import ArgumentParser
import Foundation
import WelkomCore
import WelkomLedger

extension AuditCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check that no ledger entry or checkpoint was altered, inserted or removed.",
            discussion: """
                Checks every record body against its leaf, every leaf and tree node, and every signed \
                checkpoint's signature and root. Exit 0 when intact; exit 65 naming the first bad entry \
                or checkpoint when not.
                """)
        @OptionGroup var data: DataOption
        @Option(name: .customLong("since-checkpoint"), help: ArgumentHelp("Trust this checkpoint's signed root for the entries it covers; check the rest.", valueName: "N"))
        var sinceCheckpoint: Int64?
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Pin the checkpoint signing key (64 hex digits) instead of DATA/ledger-signing.pub.", valueName: "HEX"))
        var publicKey: String?

        func validate() throws {
            if let publicKey, Hex.decode(publicKey)?.count != 32 {
                throw ValidationError("--public-key: expected 64 hex digits (an Ed25519 public key)")
            }
        }

        func run() throws {
            let ledger = try openLedger(data)
            let result: LedgerVerification
            do {
                result = try ledger.verify(sinceCheckpoint: sinceCheckpoint, publicKey: publicKey.flatMap(Hex.decode))
            } catch let error as LedgerError {
                printError("\(error)")
                throw Exit.dataError
            }
            print(result.line)
            for (key, value) in (try ledger.notes()).sorted(by: { $0.key < $1.key }) where key != "last_purge" {
                print("note: \(key.replacingOccurrences(of: "_", with: " ")): \(value)")
            }
            if !result.isIntact { throw Exit.dataError }
        }
    }
}
