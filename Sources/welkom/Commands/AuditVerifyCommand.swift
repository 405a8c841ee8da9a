import ArgumentParser
import Foundation
import WelkomChain
import WelkomCore
import WelkomLedger

extension AuditCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check that no ledger entry or checkpoint was altered, inserted or removed.",
            discussion: """
                Checks every record body against its leaf, every leaf and tree node, and every signed \
                checkpoint's signature and root. Exit 0 when intact; exit 65 naming the first bad entry \
                or checkpoint when not. With --postgres: every store's shipped log (or --store's), \
                rebuilt from its leaves and checked against its signed checkpoints; a store that fails is named.
                """)
        @OptionGroup var target: ConsentTarget
        @Option(help: ArgumentHelp("With --postgres: only this store.", valueName: "ID")) var store: String?
        @Option(name: .customLong("since-checkpoint"), help: ArgumentHelp("Trust this checkpoint's signed root for the entries it covers; check the rest.", valueName: "N"))
        var sinceCheckpoint: Int64?
        @Option(name: .customLong("public-key"), help: ArgumentHelp("Pin the checkpoint signing key (64 hex digits) instead of DATA/ledger-signing.pub.", valueName: "HEX"))
        var publicKey: String?

        func validate() throws {
            if let publicKey, Hex.decode(publicKey)?.count != 32 {
                throw ValidationError("--public-key: expected 64 hex digits (an Ed25519 public key)")
            }
        }

        func run() async throws {
            guard let data = target.local else { return try await verifyChain() }
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

        /// Each store on a line; exit 65 when any store's log fails, naming it.
        private func verifyChain() async throws {
            let results = try await withChainDatabase(target.postgres ?? "") { db in
                try await ChainSchema.check(db, key: nil)
                return try await ChainAudit.verify(db, store: store)
            }
            var failed: [String] = []
            for r in results {
                if let failure = r.failure {
                    failed.append(r.store)
                    print("store \(r.store): FAILED after \(r.entries) entries: \(failure)")
                } else {
                    print("store \(r.store): intact, \(r.entries) entries, \(r.checkpointsVerified) checkpoints verified"
                          + (r.lastVerifiedCheckpoint.map { ", last \($0)" } ?? ""))
                }
            }
            if !failed.isEmpty {
                printError("the shipped log of \(failed.count == 1 ? "store" : "stores") \(failed.joined(separator: ", ")) does not verify")
                throw Exit.dataError
            }
        }
    }
}
