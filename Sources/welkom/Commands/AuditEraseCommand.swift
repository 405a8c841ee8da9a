import ArgumentParser
import Foundation
import WelkomConsent
import WelkomLedger
import WelkomRegistry

extension AuditCommand {
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Erase a customer (GDPR art. 17): withdraw, delete keys, record bodies and salts.",
            discussion: """
                Deletes the customer's consent and key material from the registry, deletes the record \
                bodies and salts of every ledger entry linked to them, records an erasure entry that names \
                nobody and signs a checkpoint. The tree and every other entry's proofs still verify. \
                A running agent stops recognising the customer before the ledger is touched. Safe to run again.
                """)
        @OptionGroup var data: DataOption
        @Option(help: "The customer's ID.") var customer: String

        func validate() throws {
            if customer.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--customer: empty") }
        }

        func run() async throws {
            let dir = try data.existing()
            try requireWritableDataDirectory(dir)
            let outcome: ConsentService.Erasure
            do {
                outcome = try await ConsentService.open(dataDirectory: dir).erase(customer)
            } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            guard outcome.consentDeleted || outcome.bodiesErased > 0 else {
                printError("nothing in \(data.data) is linked to customer \(customer) (never enrolled, withdrawn or erased already)")
                throw Exit.dataError
            }
            print("erased \(customer): consent and keys \(outcome.consentDeleted ? "deleted" : "already gone"), "
                  + "\(outcome.bodiesErased) ledger record bodies deleted"
                  + (outcome.erasureEntry.map { ", erasure entry \($0)" } ?? "")
                  + (outcome.checkpoint.map { ", checkpoint \($0) signed" } ?? ""))
        }
    }
}
