import Foundation
import GRDB

/// The SQLite ground both stores (ledger and registry) stand on: private files, connections
/// that wait for the other process, and error reasons that never carry SQL or values.
public enum PrivateSQLiteFile {
    /// Creates the data directory (0700) and an empty database file (0600) if missing: SQLite
    /// gives its -wal and -shm files the database file's mode, so they are private too.
    public static func prepare(directory: URL, file: URL) throws {
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

    public static func configuration(readOnly: Bool = false) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        // Another process (the CLI next to the running agent) may hold the write lock briefly.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // Freed and overwritten bytes are zeroed, so an erased customer ID or withdrawn key
            // does not linger in free pages or cell gaps.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        return config
    }

    /// A short reason for an error, without SQL text or arguments (they could hold an ID or a key).
    public static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError {
            return "\(db.resultCode): \(db.message ?? "no message")"
        }
        if let posix = error as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        return String(describing: error)
    }
}
