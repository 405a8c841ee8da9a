import Foundation
import GRDB

/// Where the registry lives and how its SQLite connections are set up.
enum RegistryFiles {
    static let fileName = "registry.sqlite"

    /// Creates the data directory (0700) and an empty database file (0600) if missing: SQLite
    /// gives its -wal and -shm files the database file's mode, so they are private too.
    static func prepare(directory: URL, file: URL) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory.path) {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
        }
        if !fm.fileExists(atPath: file.path) {
            let fd = open(file.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            close(fd)
        }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        // The CLI writes while the agent reads, and the other way round.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // Freed and overwritten bytes are zeroed: a withdrawn customer's keys and ID do not
            // linger in free pages or cell gaps.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return config
    }

    /// A short reason for an error, without SQL text or arguments (they could hold keys).
    static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError {
            return "\(db.resultCode): \(db.message ?? "no message")"
        }
        if let posix = error as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        return String(describing: error)
    }
}
