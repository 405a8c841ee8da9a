import Foundation
import WelkomIdentifiers
import WelkomStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// DATA/card-pepper.key: the 32 random bytes that key every card pseudonym (docs/identifiers.md). Kept in a
/// file of its own, mode 0600, never in the database: a copy of registry.sqlite alone does not
/// let anyone brute-force the card numbers behind its pseudonyms.
enum CardPepper {
    static let fileName = "card-pepper.key"

    /// Reads the key file, creating it on first use. Refuses a file of the wrong size (a new
    /// pepper would silently orphan every enrolled card), one that group or others can read, a
    /// symlink, or one another user owns (planted: they would know every pseudonym's key).
    static func loadOrCreate(at url: URL) throws(RegistryError) -> [UInt8] {
        let path = url.path
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw .pepperUnusable(path: path, reason: errorText()) }
            try create(at: path)
        }
        return try load(at: path)
    }

    static func load(at path: String) throws(RegistryError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ELOOP, let problem = DataDirectory.keyFileProblem(path) {
                throw .pepperUnusable(path: path, reason: "\(problem.what); fix: \(problem.fix)")
            }
            throw .pepperUnusable(path: path, reason: errorText())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .pepperUnusable(path: path, reason: errorText()) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .pepperUnusable(path: path, reason: "not a regular file") }
        if info.st_uid != geteuid(), let problem = DataDirectory.keyFileProblem(path) {
            throw .pepperUnusable(path: path, reason: "\(problem.what); fix: \(problem.fix)")
        }
        let mode = UInt16(truncatingIfNeeded: info.st_mode & 0o7777)
        guard mode & 0o077 == 0 else { throw .pepperWrongMode(path: path, mode: mode) }
        guard info.st_size == CardPepper.length else { throw .pepperWrongSize(path: path, size: Int(info.st_size)) }
        var bytes = [UInt8](repeating: 0, count: CardPepper.length)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, CardPepper.length) }
        guard n == CardPepper.length else {
            throw .pepperUnusable(path: path, reason: n < 0 ? errorText() : "short read")
        }
        return bytes
    }

    /// All or nothing (DataDirectory.createExclusively): a second process opening the registry
    /// at the same moment either wins the link or reads the complete winner, never half.
    private static func create(at path: String) throws(RegistryError) {
        var rng = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        let bytes = (0..<CardPepper.length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        do {
            try DataDirectory.createExclusively(bytes, at: path)
        } catch {
            throw .pepperUnusable(path: path, reason: error.reason)
        }
    }

    static let length = CardPseudonym.pepperLength

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
