import ArgumentParser
import Foundation
import WelkomChain
import WelkomCore

struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Chain mode: the central consent registry and ledger on the chain's PostgreSQL.",
        discussion: "See docs/chain.md: roles, TLS, backups and replication, and how stores connect.",
        subcommands: [Init.self, Store.self, Status.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or migrate the chain's schema and roles; create the chain key file when missing.")
        @Option(help: ArgumentHelp("The chain database, as a login with CREATEROLE that will own the schema.", valueName: "URL"))
        var postgres: String
        @Option(name: .customLong("key-file"), help: ArgumentHelp("The chain key (created 0600 when missing).", valueName: "PATH"))
        var keyFile: String = "/etc/welkom/chain.key"

        func run() async throws {
            let applied = try await withChainDatabase(postgres) { db in
                let key = try ChainKey.load(path: keyFile, create: true)
                return try await ChainSchema.migrate(db, key: key)
            }
            if applied.isEmpty {
                print("chain database is current (schema version \(ChainSchema.latestVersion))")
            } else {
                print("chain database migrated to schema version \(ChainSchema.latestVersion) (applied \(applied.map(String.init).joined(separator: ", ")))")
            }
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register stores.", subcommands: [Add.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a store and print the connection URL of its own least-privileged login.",
                discussion: "Run again for an existing store to give its login a new password (the old one stops working). The URL goes into the store's [chain] postgres; it is printed once and stored nowhere else.")
            @Option(help: ArgumentHelp("The chain database, as its administrator.", valueName: "URL")) var postgres: String
            @Option(help: ArgumentHelp("The store's ID: 1–40 lowercase letters, digits, '-' or '_'.", valueName: "ID")) var store: String

            func run() async throws {
                guard ChainStores.isValid(store) else { throw ValidationError("--store: \(ChainError.invalidStore(store))") }
                let url = try await withChainDatabase(postgres) { db in
                    try await ChainSchema.check(db, key: nil)
                    return try await ChainStores.add(db, store: store)
                }
                print(url.withPassword)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per store: last contact, consent cursor lag, ledger entries queued, last verified checkpoint.")
        @Option(help: ArgumentHelp("The chain database.", valueName: "URL")) var postgres: String
        @Option(help: ArgumentHelp("Only this store.", valueName: "ID")) var store: String?
        @Option(help: "table or jsonl.") var format: ListFormat = .table

        func run() async throws {
            let rows = try await withChainDatabase(postgres) { db in
                try await ChainSchema.check(db, key: nil)
                return try await ChainStores.status(db, only: store)
            }
            switch format {
            case .jsonl:
                for r in rows {
                    var o = JSONObjectWriter()
                    o.add("store", r.store)
                    o.add("last_contact", r.lastContact?.rfc3339)
                    o.add("cursor_lag", Int(r.cursorLag))
                    o.add("ledger_queued", Int(r.ledgerQueued))
                    o.add("entries_shipped", Int(r.entriesShipped))
                    o.add("last_verified_checkpoint", r.lastVerifiedCheckpoint.map { Int($0) })
                    print(o.line)
                }
            case .table:
                print("STORE".padding(toLength: 16, withPad: " ", startingAt: 0) + " LAST CONTACT             LAG  QUEUED  SHIPPED  CHECKPOINT")
                for r in rows {
                    print(r.store.padding(toLength: 16, withPad: " ", startingAt: 0) + " "
                          + (r.lastContact.map { String($0.rfc3339.prefix(19)) + "Z" } ?? "never").padding(toLength: 24, withPad: " ", startingAt: 0)
                          + String(format: " %4lld  %6lld  %7lld  ", r.cursorLag, r.ledgerQueued, r.entriesShipped)
                          + (r.lastVerifiedCheckpoint.map(String.init) ?? "-"))
                }
                print("\(rows.count) store(s)")
            }
        }
    }
}

/// Connects, runs `body`, closes; a chain error is printed as itself and exits 74 (unreachable,
/// refused) — 65 for a wrong key or schema, which retrying will not fix.
func withChainDatabase<T: Sendable>(_ url: String, _ body: (ChainDatabase) async throws -> T) async throws -> T {
    let parsed: ChainURL
    do { parsed = try ChainURL(url) } catch { throw ValidationError("\(error)") }
    let db: ChainDatabase
    do { db = try await ChainDatabase.connect(parsed) } catch {
        printError("\(error)")
        throw Exit.ioError
    }
    do {
        let value = try await body(db)
        await db.close()
        return value
    } catch let error as ChainError {
        await db.close()
        printError("\(error)")
        switch error {
        case .wrongKey, .schema, .invalidStore, .unknownStore: throw Exit.dataError
        default: throw Exit.ioError
        }
    } catch {
        await db.close()
        throw error
    }
}
