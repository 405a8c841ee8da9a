import ArgumentParser
import Foundation
import WelkomConfig
import WelkomCore
import WelkomLedger
import WelkomRegistry

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The privacy officer's tools for the ledger (the tamper-evident match log).",
        discussion: """
            The ledger is an RFC 9162 Merkle tree in DATA/ledger.sqlite with Ed25519-signed checkpoints \
            (key DATA/ledger-signing.key, public key DATA/ledger-signing.pub). verify, export, query, dsar, stats \
            and report only read: they create, change or touch no file in the data directory, so they work on \
            a write-protected copy or as another user; a ledger from an older Welkom is theirs to read once \
            `migrate` (or the agent) has brought it up to date. erase and purge delete; dsar --sign-checkpoint \
            signs first.
            """,
        subcommands: [Verify.self, Export.self, Query.self, DSAR.self, Erase.self, Purge.self, Stats.self, Report.self,
                      Migrate.self])
}

/// Options of the audit commands that read the config (retention, the processing record).
struct AuditConfigOption: ParsableArguments {
    @Option(help: ArgumentHelp("The agent's config (default: /etc/welkom/welkom.toml when present, else the defaults).", valueName: "PATH"))
    var config: String?

    func load() throws -> WelkomConfig { try loadConfig(path: config).0 }
}

extension Exit {
    /// EX_TEMPFAIL: the data directory is fine, it needs `welkom audit migrate` first.
    static let needsMigration = ExitCode(75)
}

/// Opens the ledger of an existing data directory read-only (see Ledger.init): an older schema
/// is reported, never migrated here.
func openLedger(_ data: DataOption) throws -> Ledger {
    let dir = try data.existing()
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("ledger.sqlite").path) else {
        printError("\(data.data): no ledger here (ledger.sqlite is missing)")
        throw Exit.noInput
    }
    do {
        return try Ledger(dataDirectory: dir, readOnly: true)
    } catch let error as LedgerError {
        printError("\(error)")
        if case .schema(_, let reason) = error, reason.contains("older") { throw Exit.needsMigration }
        throw Exit.ioError
    } catch {
        printError("\(error)")
        throw Exit.ioError
    }
}

/// Opens the consent registry of a data directory read-only, or nil when it has none.
func openRegistry(_ dir: URL) throws -> ConsentRegistry? {
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("registry.sqlite").path) else { return nil }
    do {
        return try ConsentRegistry(dataDirectory: dir, readOnly: true)
    } catch let error as RegistryError {
        printError("\(error)")
        if case .schema(_, let reason) = error, reason.contains("older") { throw Exit.needsMigration }
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
