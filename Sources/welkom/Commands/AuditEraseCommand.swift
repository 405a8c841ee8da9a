import ArgumentParser
import Foundation
import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomIdentifiers
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
                A running agent stops recognising the customer before the ledger is touched. Safe to run again. \
                With --card instead of --customer: whoever that card belongs to is erased — the enrolled \
                customer, or the card's "do not ask" marker from the desk with its ledger records. \
                With --postgres (and --customer): chain-wide — the central consent, receipts and shipped record \
                bodies now, and every store's own registry and ledger as its agent reads the change. \
                With --postgres and --card (needs the chain key): the card's central "do not ask" marker \
                with its receipt, and every store's copy as it reads the change.
                """)
        @OptionGroup var target: ConsentTarget
        @Option(help: "The customer's ID.") var customer: String?
        @Option(help: ArgumentHelp("Find the customer, or the \"do not ask\" marker, by a card number instead.", valueName: "NUMBER"))
        var card: String?

        func validate() throws {
            guard (customer == nil) != (card == nil) else { throw ValidationError("give --customer ID or --card NUMBER (one of them)") }
            if let customer, customer.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--customer: empty") }
        }

        func run() async throws {
            guard let data = target.local else { return try await eraseChainWide() }
            let dir = try data.existing()
            try requireWritableDataDirectory(dir)
            let outcome: ConsentService.Erasure
            var customer = self.customer ?? ""
            do {
                let service = try ConsentService.open(dataDirectory: dir)
                if let card {
                    guard case let .loyalty(number, _) = CardNumber.enrolment(card) else {
                        printError("--card: not a loyalty card number")
                        throw Exit.usage
                    }
                    let pseudonym = service.registry.pseudonym(forCard: number)
                    if let owner = try await service.registry.customer(cardPseudonym: pseudonym) {
                        customer = owner
                    } else if let marker = try await service.registry.doNotAsk(pseudonym: pseudonym) {
                        let erased = try await service.eraseDoNotAsk(marker: marker.marker)
                        print("erased the \"do not ask\" marker \(marker.marker) of this card, "
                              + "\(erased.bodiesErased) ledger record bodies deleted"
                              + (erased.erasureEntry.map { ", erasure entry \($0)" } ?? "")
                              + (erased.checkpoint.map { ", checkpoint \($0) signed" } ?? ""))
                        return
                    } else {
                        printError("nothing in \(data.data) is linked to this card (not enrolled, no \"do not ask\" marker)")
                        throw Exit.dataError
                    }
                }
                outcome = try await service.erase(customer)
            } catch let exit as ExitCode {
                throw exit
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

        private func eraseChainWide() async throws {
            if let card { return try await eraseMarkerChainWide(card) }
            guard let customer else { throw Exit.usage }
            let outcome: ChainRegistry.Erasure
            do { outcome = try await target.withChain { try await $0.erase(customer) } } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            print("erased \(customer) chain-wide: consent and keys \(outcome.consentDeleted ? "deleted" : "already gone"), "
                  + "\(outcome.receiptsDeleted) receipts and \(outcome.bodiesErased) shipped record bodies deleted; "
                  + "each store erases its own copy as it reads the change (welkom chain status shows how far each has read)")
        }

        /// With --postgres --card: the card's central "do not ask" marker (enrolled cards are only
        /// held as keyed fingerprints centrally, so a customer is erased by --customer).
        private func eraseMarkerChainWide(_ card: String) async throws {
            guard case let .loyalty(number, _) = CardNumber.enrolment(card) else {
                printError("--card: not a loyalty card number")
                throw Exit.dataError
            }
            let erased: Bool
            do { erased = try await target.withChain { try await $0.eraseDoNotAsk(card: number) } } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            guard erased else {
                printError("the chain database holds no \"do not ask\" marker for this card (with --postgres, --card finds only that; erase an enrolled customer by --customer)")
                throw Exit.dataError
            }
            print("erased the central \"do not ask\" marker of this card with its receipt; "
                  + "each store removes its own copy as it reads the change")
        }
    }
}
