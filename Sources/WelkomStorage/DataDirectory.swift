import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One reason a data directory is refused: the path, what is wrong with it and the fix.
public struct DataDirectoryProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var what: String
    public var fix: String

    public var description: String { "\(path): \(what); fix: \(fix)" }
}

/// A data directory that is not the agent's alone (invariant 9), with every problem found.
public struct DataDirectoryError: Error, Sendable, CustomStringConvertible {
    public var directory: String
    public var problems: [DataDirectoryProblem]

    public var description: String {
        "data directory \(directory) refused: " + problems.map(\.description).joined(separator: "; ")
    }
}

/// The one check of a data directory (invariant 9), used by the agent at start, by every CLI
/// command that writes, by the stores before they create a file and by `welkom doctor`.
///
/// A directory another user could write to, or reach through a symlink, lets them plant the
/// card pepper or the ledger's signing key (checkpoints signed with a key they know) or point
/// a store somewhere root then creates. So, for writing:
/// - no component of the path is a symlink (lstat, from `/` down);
/// - every parent is owned by us or root and writable by nobody else — except a root-owned
///   sticky directory such as /tmp (1777): nobody else can rename or replace what we own in it,
///   so it is accepted when what lies in it is ours (a parent) or, for the data directory
///   directly in it, ours and 0700;
/// - the data directory is ours, not group- or world-writable;
/// - the key files are regular files, ours, 0600; the stores and their -wal/-shm are not
///   symlinks and are ours.
/// System directories (`/`, `/etc`, `/var`, `/tmp` …) are refused for reading too: nothing of
/// ours belongs there, and `consent list --data /` must not even look.
public enum DataDirectory {
    public static let keyFiles = ["card-pepper.key", "ledger-signing.key"]
    static let storeFiles = ["registry.sqlite", "ledger.sqlite", "till-pairings.sqlite"]
    static let otherFiles = ["ledger-signing.pub"]

    /// Directories that hold the system, never one program's private data.
    public static let systemDirectories: Set<String> = [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt",
        "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
        "/usr/lib64", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/sbin", "/usr/share", "/var",
        "/var/cache", "/var/lib", "/var/log", "/var/run", "/var/spool", "/var/tmp", "/var/mail", "/run/user",
    ]

    /// The path as checked: absolute, `.` and `..` resolved by their spelling (not by following links).
    public static func normalisedPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// Every problem of `url` as a data directory; empty when it may be used. Without
    /// `forWriting` only a system directory is a problem (reading works on a copy or as another
    /// user). `user` is who must own it (default: this process's effective user).
    public static func check(_ url: URL, forWriting: Bool, user: uid_t = geteuid()) -> [DataDirectoryProblem] {
        let path = normalisedPath(url)
        if systemDirectories.contains(path) {
            return [DataDirectoryProblem(
                path: path, what: "a system directory, not a data directory of Welkom's own",
                fix: "set data.dir (or --data) to a directory of its own, such as /var/lib/welkom")]
        }
        guard forWriting else { return [] }
        var problems: [DataDirectoryProblem] = []
        let components = path.split(separator: "/").map(String.init)
        var prefix = ""
        var inStickyParent: String?
        for (index, component) in components.enumerated() {
            let parent = prefix.isEmpty ? "/" : prefix
            prefix += "/" + component
            let isLast = index == components.count - 1
            // "/" itself: root's, and never a symlink.
            if index == 0, let problem = parentProblem(parent, user: user, sticky: &inStickyParent) {
                problems.append(problem)
            }
            var st = stat()
            guard lstat(prefix, &st) == 0 else { break }  // missing from here on: we create it, 0700
            if st.st_mode & S_IFMT == S_IFLNK {
                problems.append(DataDirectoryProblem(
                    path: prefix, what: "a symlink (whoever can change it can point the data directory elsewhere)",
                    fix: "use the real path in data.dir or --data (`readlink -f \(prefix)`), or replace the link by the directory"))
                // Refused already; look on through the link so every problem is reported at once.
                guard stat(prefix, &st) == 0 else { return problems }
            }
            guard st.st_mode & S_IFMT == S_IFDIR else {
                problems.append(DataDirectoryProblem(path: prefix, what: "not a directory",
                                                     fix: "choose another data directory or move \(prefix) away"))
                return problems
            }
            if isLast {
                problems += directoryProblems(prefix, st, user: user, stickyParent: inStickyParent)
                problems += fileProblems(prefix, user: user)
            } else if let problem = parentProblem(prefix, st, user: user, sticky: &inStickyParent) {
                problems.append(problem)
            }
        }
        return problems
    }

    /// Throws when `check` finds a problem.
    public static func require(_ url: URL, forWriting: Bool, user: uid_t = geteuid()) throws(DataDirectoryError) {
        let problems = check(url, forWriting: forWriting, user: user)
        if !problems.isEmpty { throw DataDirectoryError(directory: normalisedPath(url), problems: problems) }
    }

    /// Before writing: checks the directory, creates what is missing of it (each level 0700)
    /// and checks again. Our own directory that others may read but not write is tightened to
    /// 0700: nobody else can have written into it.
    public static func prepare(_ url: URL) throws(DataDirectoryError) {
        let path = normalisedPath(url)
        tighten(path)
        try require(url, forWriting: true)
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw DataDirectoryError(directory: path, problems: [DataDirectoryProblem(
                    path: prefix, what: "cannot be created: \(String(cString: strerror(errno)))",
                    fix: "create it (`install -d -m 700 -o USER \(path)`) or choose another data directory")])
            }
        }
        try require(url, forWriting: true)
    }

    /// Our own directory that others may read but not write becomes 0700 (as if we had made it):
    /// nobody else can have written into it, and in /tmp the check wants 0700.
    private static func tighten(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o022 == 0, st.st_mode & 0o077 != 0 {
            fchmod(fd, 0o700)
        }
        close(fd)
    }

    // MARK: Files

    /// Opens `path` for writing without following a symlink: created 0600 with O_EXCL, or, when
    /// it exists, re-opened only if it is a regular file of ours (never through a link).
    public static func openPrivateFile(_ path: String, flags: Int32 = O_WRONLY) throws -> Int32 {
        let fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 { return fd }
        guard errno == EEXIST else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let again = open(path, flags | O_NOFOLLOW | O_CLOEXEC)
        guard again >= 0 else {
            if errno == ELOOP { throw FileProblem(path: path, reason: "is a symlink; replace it by the file itself or remove it") }
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        var st = stat()
        guard fstat(again, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid() else {
            close(again)
            throw FileProblem(path: path, reason: "is not a regular file of this user (uid \(geteuid())); remove it")
        }
        return again
    }

    /// Writes `bytes` to `path` (0600) through a new temporary file in the same directory,
    /// then renames it over: a symlink at `path` is replaced, never written through, and an
    /// existing file's mode is not kept.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let temp = (directory.isEmpty ? "." : directory) + "/.\(base).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var ok = fchmod(fd, 0o600) == 0  // whatever the umask
        var offset = 0
        while ok && offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { ok = false } else { offset += n }
        }
        let code = errno
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let failure = ok ? errno : code
            unlink(temp)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
    }

    /// Creates a secret file (a key, the card pepper): `bytes` written and fsynced under a private
    /// temporary name in the same directory, then link(2)ed to `path`, and the directory fsynced.
    /// All or nothing: a full disk or a crash part-way leaves no file at `path`, never a short
    /// one; and link refuses an existing name, so a file another process made meanwhile (or
    /// anything planted there) is left as it is, for the caller's checks when it reads it.
    /// Returns false in that case.
    @discardableResult
    public static func createExclusively(_ bytes: [UInt8], at path: String) throws(FileProblem) -> Bool {
        let temp = "\(path).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileProblem(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
        defer { unlink(temp) }
        var failure: String?
        fchmod(fd, 0o600)  // whatever the umask took off the owner
        var offset = 0
        while failure == nil && offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { failure = String(cString: strerror(errno)) } else if n == 0 { failure = "no progress" } else { offset += n }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure { throw FileProblem(path: path, reason: "cannot write: \(failure)") }
        if link(temp, path) != 0 {
            guard errno == EEXIST else { throw FileProblem(path: path, reason: "cannot create: \(String(cString: strerror(errno)))") }
            return false
        }
        // The new name durable too.
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return true
    }

    public struct FileProblem: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path) \(reason)" }
    }

    /// A key file that is not a regular 0600 file of ours, or nil when it is (or is absent).
    public static func keyFileProblem(_ path: String, user: uid_t = geteuid()) -> DataDirectoryProblem? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        if st.st_mode & S_IFMT == S_IFLNK {
            return DataDirectoryProblem(path: path, what: "a symlink, not the key file itself",
                                        fix: "remove it (`rm \(path)`) and restore the key file from a backup, or let Welkom create a new one")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            return DataDirectoryProblem(path: path, what: "not a regular file", fix: "move it away and restore the key file")
        }
        if st.st_uid != user {
            return DataDirectoryProblem(
                path: path, what: "owned by \(userName(st.st_uid)), not \(userName(user)): someone else may have planted it",
                fix: "remove it unless it is certainly yours (then `chown \(login(user)): \(path)`)")
        }
        if st.st_mode & 0o077 != 0 {
            return DataDirectoryProblem(path: path, what: "mode 0\(String(st.st_mode & 0o777, radix: 8)) lets group or others read it",
                                        fix: "`chmod 600 \(path)`")
        }
        return nil
    }

    // MARK: Pieces

    private static func parentProblem(_ path: String, user: uid_t, sticky: inout String?) -> DataDirectoryProblem? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return parentProblem(path, st, user: user, sticky: &sticky)
    }

    /// `sticky` is set to `path` when it is a root-owned sticky directory (like /tmp), else
    /// cleared: what counts is the data directory's immediate parent, the one that could rename it.
    private static func parentProblem(_ path: String, _ st: stat, user: uid_t, sticky: inout String?) -> DataDirectoryProblem? {
        sticky = nil
        if st.st_uid != user && st.st_uid != 0 {
            return DataDirectoryProblem(
                path: path, what: "a parent of the data directory owned by \(userName(st.st_uid)), neither \(userName(user)) nor root: "
                    + "its owner can replace the data directory",
                fix: "`chown root: \(path)`, or put the data directory under a directory of root's (such as /var/lib/welkom)")
        }
        if st.st_mode & 0o022 != 0 {
            if st.st_mode & S_ISVTX != 0 && st.st_uid == 0 {
                sticky = path  // like /tmp: others cannot rename what we own in it
                return nil
            }
            return DataDirectoryProblem(
                path: path, what: "a parent of the data directory with mode 0\(String(st.st_mode & 0o7777, radix: 8)): "
                    + "\(st.st_mode & 0o002 != 0 ? "everyone" : "its group") may rename or replace what is in it",
                fix: "`chmod go-w \(path)`")
        }
        return nil
    }

    private static func directoryProblems(_ path: String, _ st: stat, user: uid_t, stickyParent: String?) -> [DataDirectoryProblem] {
        var problems: [DataDirectoryProblem] = []
        if st.st_uid != user {
            problems.append(DataDirectoryProblem(
                path: path, what: "owned by \(userName(st.st_uid)), not \(userName(user)) who runs Welkom",
                fix: "`chown -R \(login(user)): \(path)` (or run Welkom as \(login(st.st_uid)))"))
        }
        let mode = st.st_mode & 0o7777
        if mode & 0o022 != 0 {
            problems.append(DataDirectoryProblem(
                path: path, what: "mode 0\(String(mode, radix: 8)) lets \(mode & 0o002 != 0 ? "everyone" : "the group") write to it "
                    + "(plant the key files, replace the registry or the ledger)",
                fix: "`chmod 700 \(path)`, and remove any file in it you did not put there"))
        } else if let stickyParent, mode & 0o077 != 0 {
            problems.append(DataDirectoryProblem(
                path: path, what: "mode 0\(String(mode, radix: 8)) in \(stickyParent), which everyone may write to: it must be 0700",
                fix: "`chmod 700 \(path)`"))
        }
        return problems
    }

    private static func fileProblems(_ directory: String, user: uid_t) -> [DataDirectoryProblem] {
        var problems = keyFiles.compactMap { keyFileProblem("\(directory)/\($0)", user: user) }
        let others = storeFiles.flatMap { [$0, $0 + "-wal", $0 + "-shm", $0 + "-journal"] } + otherFiles
        for name in others {
            let path = "\(directory)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if st.st_mode & S_IFMT == S_IFLNK {
                problems.append(DataDirectoryProblem(path: path, what: "a symlink (writing the store would write wherever it points)",
                                                     fix: "remove it (`rm \(path)`)"))
            } else if st.st_mode & S_IFMT != S_IFREG {
                problems.append(DataDirectoryProblem(path: path, what: "not a regular file", fix: "move it away"))
            } else if st.st_uid != user {
                problems.append(DataDirectoryProblem(
                    path: path, what: "owned by \(userName(st.st_uid)), not \(userName(user))",
                    fix: "remove it unless it is certainly yours (then `chown \(login(user)): \(path)`)"))
            }
        }
        return problems
    }

    /// The name to put in a command (`chown welkom: …`), or the number for a user without one.
    static func login(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid) else { return "\(uid)" }
        return String(cString: pw.pointee.pw_name)
    }

    /// "welkom (uid 998)", or "uid 998" for a user without a name.
    public static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid) else { return "uid \(uid)" }
        return "\(String(cString: pw.pointee.pw_name)) (uid \(uid))"
    }
}
