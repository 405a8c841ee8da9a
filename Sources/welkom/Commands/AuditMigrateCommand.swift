import ArgumentParser
import Foundation
import WelkomLedger
import WelkomRegistry

extension AuditCommand {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Bring the ledger and the consent registry up to this version's schema.",
            discussion: """
                The agent does the same when it starts; the commands that only read refuse an older schema \
                and point here. A hash-chain ledger is carried over to the Merkle ledger losslessly, the old \
                chain's verdict kept as a note, and its first checkpoint is signed. Safe to run again.
                """)
        @OptionGroup var data: DataOption

        func run() throws {
            let dir = try data.existing()
            try requireWritableDataDirectory(dir)
            let fm = FileManager.default
            var found = false
            if fm.fileExists(atPath: dir.appendingPathComponent("ledger.sqlite").path) {
                found = true
                let current = (try? Ledger(dataDirectory: dir, readOnly: true)) != nil
                do {
                    _ = try Ledger(dataDirectory: dir)
                } catch {
                    printError("\(error)")
                    throw Exit.ioError
                }
                print("ledger: " + (current ? "up to date" : "migrated"))
            }
            if fm.fileExists(atPath: dir.appendingPathComponent("registry.sqlite").path) {
                found = true
                let current = (try? ConsentRegistry(dataDirectory: dir, readOnly: true)) != nil
                do {
                    _ = try ConsentRegistry(dataDirectory: dir)
                } catch {
                    printError("\(error)")
                    throw Exit.ioError
                }
                print("consent registry: " + (current ? "up to date" : "migrated"))
            }
            if !found {
                printError("\(data.data): neither ledger.sqlite nor registry.sqlite is here")
                throw Exit.noInput
            }
        }
    }
}
