import ArgumentParser
import Foundation
import WelkomAudit
import WelkomChain
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomRegistry
import WelkomStorage

extension AuditCommand {
    struct DSAR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dsar",
            abstract: "The access-request package (GDPR art. 15) for one customer, as JSON.",
            discussion: """
                Holds the current consent, the consent records with their receipts, every ledger entry \
                still linked to the customer with its inclusion proof in a signed checkpoint, and a \
                plain-language explanation in Dutch and English. Only reads: entries newer than the latest \
                signed checkpoint have no proof; --sign-checkpoint signs a fresh one first (it writes to the \
                ledger and needs the signing key). With --card instead of --customer: the package of \
                whoever that card number belongs to — the enrolled customer, or the card's "do not ask" \
                marker from the desk (its dates, its receipt; only a pseudonym of the card is held). \
                With --postgres and --customer: one package for all stores — the central consent, its \
                receipts, and every store's shipped entries still linked to the customer. With --postgres \
                and --card (needs the chain key): the card's central "do not ask" marker and its receipt.
                """)
        @OptionGroup var target: ConsentTarget
        @OptionGroup var settings: AuditConfigOption
        @Option(help: "The customer's ID.") var customer: String?
        @Option(help: ArgumentHelp("Find the customer, or the \"do not ask\" marker, by a card number instead.", valueName: "NUMBER"))
        var card: String?
        @Option(help: ArgumentHelp("Write the package to this file (mode 0600) instead of standard output.", valueName: "FILE"))
        var out: String?
        @Flag(name: .customLong("sign-checkpoint"), help: "Sign a checkpoint of the current tree first, so every entry has a proof.")
        var signCheckpoint = false

        func validate() throws {
            guard (customer == nil) != (card == nil) else { throw ValidationError("give --customer ID or --card NUMBER (one of them)") }
        }

        func run() async throws {
            guard let data = target.local else { return try await chainPackage() }
            try runLocally(data)
        }

        /// A data directory's package (blocking SQLite reads, as before chain mode).
        private func runLocally(_ data: DataOption) throws {
            let dir = try data.existing()
            let config = try settings.load()
            if signCheckpoint {
                try requireWritableDataDirectory(dir)
                guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger.sqlite").path) else {
                    printError("\(data.data): no ledger here (ledger.sqlite is missing)")
                    throw Exit.noInput
                }
                // Before the read-only open: an immutable connection would not see a later write.
                do {
                    _ = try Ledger(dataDirectory: dir).writeCheckpoint(at: Date(), onlyIfGrown: true)
                } catch {
                    printError("cannot sign a checkpoint: \(error)")
                    throw Exit.ioError
                }
            }
            let ledger = try openLedger(data)
            let registry = try openRegistry(dir)
            var marker: DoNotAskMarker?
            var subject = customer ?? ""
            if let card {
                (subject, marker) = try Self.holder(ofCard: card, dir: dir, registry: registry)
            }
            var package = try AccessRequest.gather(customer: subject, registry: registry, ledger: ledger,
                                                   retentionDays: config.ledger.retentionDays, now: Date())
            package.doNotAsk = marker
            if package.consent == nil && package.entries.isEmpty && marker == nil {
                printError("note: nothing in \(data.data) is linked to customer \(subject) (never enrolled, withdrawn or erased)")
            }
            try writeOutput(package.json + "\n", to: out)
        }
    }
}

extension AuditCommand.DSAR {
    /// The chain-wide package: reads only.
    func chainPackage() async throws {
        guard !signCheckpoint else {
            printError("with --postgres, no --sign-checkpoint: stores sign their own checkpoints")
            throw Exit.usage
        }
        if let card { return try await chainMarkerPackage(card) }
        guard let customer else { throw Exit.usage }
        let package = try await withChainDatabase(target.postgres ?? "") { db in
            try await ChainSchema.check(db, key: nil)
            return try await ChainAudit.accessRequest(db, customer: customer, now: Date())
        }
        guard let package else {
            printError("note: nothing in the chain database is linked to customer \(customer) (never enrolled, withdrawn or erased)")
            try writeOutput("{\"customer\":\(jsonQuote(customer)),\"consent\":null,\"receipts\":[],\"entries\":[],\"stores\":[]}\n", to: out)
            return
        }
        try writeOutput(package + "\n", to: out)
    }

    /// With --postgres --card (needs the chain key): the card's central "do not ask" marker — its
    /// dates, the store that recorded it and its receipt. Enrolled cards are found by --customer.
    func chainMarkerPackage(_ card: String) async throws {
        guard case let .loyalty(number, _) = CardNumber.enrolment(card) else {
            printError("--card: not a loyalty card number")
            throw Exit.dataError
        }
        let marker: ChainDoNotAskMarker?
        do { marker = try await target.withChain { try await $0.doNotAsk(card: number) } } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("\(error)")
            throw Exit.ioError
        }
        guard let marker else {
            printError("note: the chain database holds no \"do not ask\" marker for this card (an enrolled customer's package is by --customer)")
            try writeOutput("{\"do_not_ask\":null}\n", to: out)
            return
        }
        let iso = ISO8601DateFormatter()
        try writeOutput("{\"do_not_ask\":{\"created\":\(jsonQuote(iso.string(from: marker.created))),"
                        + "\"expires\":\(jsonQuote(iso.string(from: marker.expires))),\"store\":\(jsonQuote(marker.store)),"
                        + "\"receipt\":\(marker.receipt)},\"note\":\(jsonQuote(Self.markerNote))}\n", to: out)
    }

    static let markerNote = "Op uw verzoek vragen onze winkels u niet naar het klantenprogramma; alleen een versleutelde vorm van uw kaartnummer is bewaard. / "
        + "At your request our stores do not ask you about the loyalty programme; only an encrypted form of your card number is kept."

    /// Whose card this is: the enrolled customer, or its "do not ask" marker. Reads only.
    static func holder(ofCard card: String, dir: URL, registry: ConsentRegistry?) throws -> (CustomerID, DoNotAskMarker?) {
        guard case let .loyalty(number, _) = CardNumber.enrolment(card) else {
            printError("--card: not a loyalty card number")
            throw Exit.usage
        }
        guard let registry else {
            printError("nothing in \(dir.path) is linked to this card (no registry)")
            throw Exit.dataError
        }
        let pseudonym = try ConsentRegistry.cardPseudonym(number, dataDirectory: dir)
        if let customer = try registry.customer(cardPseudonym: pseudonym) { return (customer, nil) }
        if let marker = try registry.doNotAsk(pseudonym: pseudonym) { return (marker.marker, marker) }
        printError("nothing in \(dir.path) is linked to this card (not enrolled, no \"do not ask\" marker)")
        throw Exit.dataError
    }
}

/// Writes to a private file (0600: it may hold personal data) or standard output. The file is
/// written as a new temporary file beside it and renamed into place: a symlink planted at the
/// path is replaced, never written through, and an existing file's mode (0666) is not kept.
func writeOutput(_ text: String, to path: String?) throws {
    guard let path else {
        print(text, terminator: "")
        return
    }
    do {
        try DataDirectory.writeAtomically(Array(text.utf8), to: path)
    } catch {
        printError("\(path): cannot write: \(error)")
        throw Exit.ioError
    }
}
