import ArgumentParser
import Foundation
import WelkomConfig
import WelkomTillHub

/// `welkom till pair|pairings|revoke`: which till displays may see the till pages.
struct TillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "till",
        abstract: "Pair till displays with the gateway, list and revoke pairings.",
        discussion: """
            A till display shows customers' names, so only paired displays see it. `pair` prints a \
            one-time code (valid 5 minutes); enter it at http(s)://GATEWAY:PORT/pair on the display. \
            Only hashes of codes and tokens are stored, in DATA/till-pairings.sqlite (0600).
            """,
        subcommands: [Pair.self, Pairings.self, Revoke.self])

    /// The data directory: --data, else the config's (--config, else /etc/welkom/welkom.toml, else the default).
    struct Location: ParsableArguments {
        @Option(help: ArgumentHelp("The data directory (default: the config's data.dir).", valueName: "DIR"))
        var data: String?
        @Option(help: ArgumentHelp("The config file (default: /etc/welkom/welkom.toml when present).", valueName: "PATH"))
        var config: String?

        func resolve() throws -> (URL, WelkomConfig) {
            let (cfg, _) = try loadConfig(path: config)
            let dir = URL(fileURLWithPath: data ?? cfg.data.dir, isDirectory: true)
            try refuseSystemDirectory(dir)
            return (dir, cfg)
        }
    }

    struct Pair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time code that pairs one display with a till (valid 5 minutes).")
        @Option(help: ArgumentHelp("The till the display stands at (a [[till]] id).", valueName: "ID")) var till: String
        @Flag(help: "Pair a service-desk display: it may also enrol customers (the desk and customer pages).")
        var desk = false
        @Flag(help: "Pair the customer-facing screen of a desk: the customer page only, never a prompt or the staff page.")
        var deskCustomer = false
        @OptionGroup var location: Location

        func validate() throws {
            if desk && deskCustomer { throw ValidationError("--desk and --desk-customer pair different displays: give one") }
        }

        func run() throws {
            let (dir, cfg) = try location.resolve()
            // With a config at hand, a till it does not have is refused here rather than at the display.
            if location.config != nil || FileManager.default.fileExists(atPath: defaultConfigPath),
               !cfg.tills.contains(where: { $0.id == till }) {
                printError("--till \(till): not a configured till (configured: \(cfg.tills.map(\.id).joined(separator: ", ")))")
                throw Exit.usage
            }
            let store = try openStore(dir)
            let code: String
            let role: PairingRole = desk ? .desk : deskCustomer ? .customer : .till
            do { code = try store.issueCode(till: till, role: role, now: Date()) } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            print(code)
            let display = switch role { case .till: ""; case .desk: "the desk display of "; case .customer: "the desk's customer screen of " }
            print("One-time pairing code for \(display)till \(till), valid 5 minutes. On the display open \(pairURL(cfg.tillDisplay)) and enter it.")
        }
    }

    struct Pairings: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the paired displays: id, till, paired at.")
        @OptionGroup var location: Location

        func run() throws {
            let (dir, _) = try location.resolve()
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(PairingStore.fileName).path) else {
                print("no paired displays")
                return
            }
            let list: [Pairing]
            do { list = try openStore(dir).pairings() } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            if list.isEmpty { print("no paired displays"); return }
            print("PAIRING     TILL        PAIRED AT             ROLE")
            for p in list {
                print("\(p.id.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.till.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.created.rfc3339) \(p.role.rawValue)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a pairing (by its id from `till pairings`) or every pairing of a till.",
            discussion: "A revoked display's page stops within seconds and shows that it is not paired.")
        @Argument(help: "The pairing id (one that starts with '-': --id ID, or after `--`).") var pairing: String?
        // Pairing IDs made before they avoided a leading '-' may start with one; an option that
        // takes its value unconditionally accepts it (`--id -abc`, `--id=-abc`).
        @Option(name: .customLong("id"), parsing: .unconditional,
                help: ArgumentHelp("The pairing id, even one that starts with '-'.", valueName: "ID"))
        var pairingOption: String?
        @Option(help: ArgumentHelp("Revoke every pairing of this till.", valueName: "ID")) var till: String?
        @OptionGroup var location: Location

        func validate() throws {
            guard pairing == nil || pairingOption == nil else { throw ValidationError("give the pairing id once") }
            guard ((pairing ?? pairingOption) == nil) != (till == nil) else {
                throw ValidationError("give a pairing id or --till ID (one of them); an id that starts with '-' as --id ID")
            }
        }

        func run() throws {
            let (dir, _) = try location.resolve()
            let store = try openStore(dir)
            do {
                if let pairing = pairing ?? pairingOption {
                    guard try store.revoke(pairingID: pairing) else {
                        printError("no pairing \(pairing) (see `welkom till pairings`)")
                        throw Exit.dataError
                    }
                    print("revoked pairing \(pairing)")
                } else if let till {
                    print("revoked \(try store.revoke(till: till)) pairing(s) of till \(till)")
                }
            } catch let error as PairingError {
                printError("\(error)")
                throw Exit.ioError
            }
        }
    }
}

/// Where a display pairs: the scheme and port the agent serves (`[till_display]` of the config
/// `run` reads), and its listen address — or GATEWAY when it listens on every address, which
/// no display can open as such.
func pairURL(_ display: TillDisplaySettings) -> String {
    let scheme = display.usesTLS ? "https" : "http"
    let anyAddress = ["0.0.0.0", "::", ""].contains(display.host)
    let host = anyAddress ? "GATEWAY" : (display.host.contains(":") ? "[\(display.host)]" : display.host)
    let suffix = anyAddress ? " (GATEWAY: this machine's address on the shop LAN)" : " (or the gateway's address)"
    return "\(scheme)://\(host):\(display.port)/pair" + suffix
}

/// Opens the pairings to write them: only in a data directory that is ours alone.
private func openStore(_ dir: URL) throws -> PairingStore {
    try requireWritableDataDirectory(dir)
    do { return try PairingStore(dataDirectory: dir) } catch {
        printError("\(error)")
        throw Exit.ioError
    }
}
