import ArgumentParser
import Foundation
import WelkomChain

/// Where `welkom consent …` acts: a data directory (`--data DIR`), or the chain's central registry
/// (`--postgres URL`, with the chain key for anything that writes or reads keys).
struct ConsentTarget: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (registry, ledger, key files).", valueName: "DIR"))
    var data: String?
    @Option(name: .long, help: ArgumentHelp("The chain's central registry instead of a data directory (chain mode, docs/chain.md).", valueName: "URL"))
    var postgres: String?
    @Option(name: .customLong("key-file"), help: ArgumentHelp("With --postgres: the chain key (default /etc/welkom/chain.key); list and export need none.", valueName: "PATH"))
    var keyFile: String?

    func validate() throws {
        switch (data, postgres) {
        case (nil, nil): throw ValidationError("give --data DIR, or --postgres URL for the chain's central registry")
        case (_?, _?): throw ValidationError("give --data or --postgres, not both")
        case let (dir?, nil):
            // DataOption.parse wraps its own validation in a CommandError, which the parser would
            // print raw with exit 1; said as a usage error it exits 64 with the message alone.
            do { _ = try dataOption(dir) } catch { throw ValidationError(DataOption.message(for: error)) }
        case let (nil, url?):
            do { _ = try ChainURL(url) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The data directory as the local commands take it; nil in chain mode.
    var local: DataOption? {
        data.flatMap { try? DataOption.parse(["--data", $0]) }
    }

    private func dataOption(_ dir: String) throws -> DataOption { try DataOption.parse(["--data", dir]) }

    /// Runs `body` on the central registry and closes the connection, whatever happens; an
    /// unreachable database, a missing schema or a wrong key exit 74 with the reason.
    func withChain<T: Sendable>(_ body: (ChainRegistry) async throws -> T) async throws -> T {
        let chain: ChainRegistry
        do {
            chain = try await ChainRegistry.open(url: try ChainURL(postgres ?? ""), keyFile: keyFile ?? "/etc/welkom/chain.key")
        } catch {
            printError("\(error)")
            throw Exit.ioError
        }
        do {
            let value = try await body(chain)
            await chain.db.close()
            return value
        } catch {
            await chain.db.close()
            throw error
        }
    }
}
