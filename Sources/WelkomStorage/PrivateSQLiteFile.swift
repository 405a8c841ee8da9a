import Foundation
import GRDB

/// The SQLite ground both stores (ledger and registry) stand on: private files, connections
/// that wait for the other process, and error reasons that never carry SQL or values.
public enum PrivateSQLiteFile {
    /// Checks the data directory (DataDirectory: ours, nobody else may write it, no symlink on
    /// the way), creates it (0700) and an empty database file (0600, O_EXCL|O_NOFOLLOW) if
    /// missing, or makes sure the existing one is a regular file of ours and not a link: SQLite
    /// follows a symlinked database and gives its -wal and -shm files the database file's mode.
    public static func prepare(directory: URL, file: URL) throws {
        try DataDirectory.prepare(directory)
        let fd = try DataDirectory.openPrivateFile(file.path, flags: O_RDONLY)
        close(fd)
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

    /// Opens an existing database strictly read-only: no file is created, written or touched,
    /// not even the -wal and -shm beside it, so an audit changes nothing (mtimes included) and
    /// works on a write-protected copy, a read-only mount or as another user. A plain read-only
    /// connection to a WAL database would create both files, and write read marks into the -shm.
    ///
    /// - With a -wal and a -shm (a writer is running, or one was killed): `readonly_shm` reads the
    ///   log through the shared index without writing it, or, when no writer is there, rebuilds
    ///   the index in memory. Safe beside a live writer.
    /// - With no log to read (no -wal, or an empty one): `immutable`, which needs neither file
    ///   and takes no lock. No writer has the database open then. One that starts meanwhile could
    ///   checkpoint into the file under a read, so `confirm()` after each read throws once a
    ///   writer's -wal and -shm have appeared: the caller says "run it again" instead of trusting
    ///   what it read.
    /// - A non-empty -wal without its -shm cannot be read without creating the -shm: refused.
    ///
    /// Relies on SQLite's URI filenames (SQLITE_USE_URI, as Debian builds it). Within one process,
    /// close it before opening the same database read-write: SQLite shares file locks among a
    /// process's connections, and a lock-free one beside a writer can make the writer fail.
    public static func openReadOnly(path: String) throws -> ReadOnlyDatabase {
        guard access(path, R_OK) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EACCES)
        }
        // A writer that closes between the look at its files and the first read takes its -shm
        // with it (SQLITE_CANTOPEN): look again, when it will be gone.
        var attempt = 1
        while true {
            let (uri, withoutLocks) = try readOnlyURI(path: path)
            do {
                let queue = try DatabaseQueue(path: uri, configuration: configuration(readOnly: true))
                _ = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA schema_version") }
                return ReadOnlyDatabase(queue: queue, path: path, withoutLocks: withoutLocks)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN && attempt < 3 {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    private static func readOnlyURI(path: String) throws -> (uri: String, withoutLocks: Bool) {
        let fm = FileManager.default
        let walSize = (try? fm.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int
        let hasShm = fm.fileExists(atPath: path + "-shm")
        let parameters: String
        switch (walSize, hasShm) {
        case (_?, true):
            parameters = "mode=ro&readonly_shm=1"
        case (nil, _), (0?, _):
            parameters = "immutable=1"
        case (_?, false):
            throw ReadOnlyOpenError(reason: "\(path)-wal holds commits not yet in the database and \(path)-shm is missing; "
                                    + "open it read-write once (or audit a copy that includes both files)")
        }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?" + parameters
        return (uri, parameters == "immutable=1")
    }

    /// A database opened by `openReadOnly`.
    public struct ReadOnlyDatabase: Sendable {
        public let queue: DatabaseQueue
        let path: String
        let withoutLocks: Bool

        /// Throws when the database was opened without locks and a writer has opened it since
        /// (its -wal and -shm are there): what was read may mix states of a checkpoint.
        public func confirm() throws {
            guard withoutLocks else { return }
            let fm = FileManager.default
            if fm.fileExists(atPath: path + "-wal") && fm.fileExists(atPath: path + "-shm") {
                throw ReadOnlyOpenError(reason: "a writer opened \(path) while it was being read; run the command again")
            }
        }
    }

    public struct ReadOnlyOpenError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
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
