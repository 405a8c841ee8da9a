import ArgumentParser
import Foundation
import WelkomConfig
import WelkomCore
import WelkomLedger

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The privacy officer's tools for the ledger (the tamper-evident match log).",
        discussion: """
            The ledger is an RFC 9162 Merkle tree in DATA/ledger.sqlite with Ed25519-signed checkpoints \
            (key DATA/ledger-signing.key, public key DATA/ledger-signing.pub). verify, export, query, stats \
            and report only read; dsar signs a fresh checkpoint when it can; erase and purge delete.
            """,
        subcommands: [Verify.self, Export.self, Query.self, DSAR.self, Erase.self, Purge.self, Stats.self, Report.self,
                      AppendBurst.self])
}

/// Options of the audit commands that read the config (retention, the processing record).
struct AuditConfigOption: ParsableArguments {
    @Option(help: ArgumentHelp("The agent's config (default: /etc/welkom/welkom.toml when present, else the defaults).", valueName: "PATH"))
    var config: String?

    func load() throws -> WelkomConfig { try loadConfig(path: config).0 }
}

/// Opens the ledger of an existing data directory. Read-only by default; a ledger written by an
/// older Welkom (hash chain) is migrated first — losslessly, with the old chain's verdict kept.
func openLedger(_ data: DataOption, readOnly: Bool = true) throws -> Ledger {
    let dir = try data.existing()
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger.sqlite").path) else {
        printError("\(data.data): no ledger here (ledger.sqlite is missing)")
        throw Exit.noInput
    }
    do {
        return try Ledger(dataDirectory: dir, readOnly: readOnly)
    } catch let LedgerError.schema(_, reason) where readOnly && reason.contains("older") {
        printError("note: migrating \(data.data)/ledger.sqlite from the hash chain to the Merkle ledger")
        return try Ledger(dataDirectory: dir)
    } catch {
        printError("\(error)")
        throw Exit.ioError
    }
}

/// "2026-11-29", "2026-11-29T18:00:00Z" or "2026-11-29T18:00:00.123Z".
func parseAuditTime(_ text: String, option: String) throws -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: text) { return d }
    f.formatOptions = [.withInternetDateTime]
    if let d = f.date(from: text) { return d }
    f.formatOptions = [.withFullDate]
    if let d = f.date(from: text) { return d }
    throw ValidationError("\(option): '\(text)' is not a date (YYYY-MM-DD) or an RFC 3339 time")
}

extension LedgerVerification {
    var line: String {
        switch self {
        case let .intact(entries, root, checkpoints):
            "ledger intact: \(entries) entries, \(checkpoints) signed checkpoint(s) hold, root \(root)"
        case let .broken(seq, reason):
            "ledger BROKEN at entry \(seq): \(reason)"
        case let .brokenCheckpoint(id, reason):
            "ledger BROKEN at checkpoint \(id): \(reason)"
        }
    }

    var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }
}
