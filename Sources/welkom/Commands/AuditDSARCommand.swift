import ArgumentParser
import Foundation
import WelkomAudit
import WelkomLedger
import WelkomRegistry
import WelkomStorage

extension AuditCommand {
    struct DSAR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dsar",
            abstract: "The access-request package (GDPR art. 15) for one customer, as JSON.",
            discussion: """
                Holds the current consent, the consent records with their receipts, every ledger entry \
                still linked to the customer with its inclusion proof in a signed checkpoint, and a \
                plain-language explanation in Dutch and English. Only reads: entries newer than the latest \
                signed checkpoint have no proof; --sign-checkpoint signs a fresh one first (it writes to the \
                ledger and needs the signing key).
                """)
        @OptionGroup var data: DataOption
        @OptionGroup var settings: AuditConfigOption
        @Option(help: "The customer's ID.") var customer: String
        @Option(help: ArgumentHelp("Write the package to this file (mode 0600) instead of standard output.", valueName: "FILE"))
        var out: String?
        @Flag(name: .customLong("sign-checkpoint"), help: "Sign a checkpoint of the current tree first, so every entry has a proof.")
        var signCheckpoint = false

        func run() throws {
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
            let package = try AccessRequest.gather(customer: customer, registry: registry, ledger: ledger,
                                                   retentionDays: config.ledger.retentionDays, now: Date())
            if package.consent == nil && package.entries.isEmpty {
                printError("note: nothing in \(data.data) is linked to customer \(customer) (never enrolled, withdrawn or erased)")
            }
            try writeOutput(package.json + "\n", to: out)
        }
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
