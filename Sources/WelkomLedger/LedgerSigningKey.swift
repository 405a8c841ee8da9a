import Crypto
import Foundation
import WelkomCore
import WelkomStorage
#if canImport(Glibc)
import Glibc
#endif

/// DATA/ledger-signing.key: the Ed25519 private key (32 raw bytes, mode 0600) that signs
/// checkpoints, and DATA/ledger-signing.pub: its public key in hex, for auditors to note down
/// and pin (`audit verify --public-key`). Kept out of the database so a copy of ledger.sqlite
/// alone cannot forge checkpoints.
///
/// Holds the key bytes rather than a `Curve25519.Signing.PrivateKey` so the type stays Sendable.
struct LedgerSigningKey: Sendable {
    static let fileName = "ledger-signing.key"
    static let publicFileName = "ledger-signing.pub"
    let privateBytes: [UInt8]
    let publicKey: [UInt8]

    init(privateBytes: [UInt8]) throws {
        self.privateBytes = privateBytes
        publicKey = Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateBytes).publicKey.rawRepresentation)
    }

    func sign(_ text: String) throws -> [UInt8] {
        Array(try Curve25519.Signing.PrivateKey(rawRepresentation: privateBytes).signature(for: Data(text.utf8)))
    }

    /// Reads the key, creating it on first use.
    static func loadOrCreate(directory: URL) throws(LedgerError) -> LedgerSigningKey {
        let path = directory.appendingPathComponent(fileName).path
        var info = stat()
        if lstat(path, &info) != 0 {  // a dangling symlink is not "missing": load refuses it
            try create(at: path)
        }
        let key = try load(directory: directory)
        // The public file is a convenience copy; rewrite it when missing or different.
        let pubPath = directory.appendingPathComponent(publicFileName).path
        let text = Hex.encode(key.publicKey) + "\n"
        if (try? String(contentsOfFile: pubPath, encoding: .utf8)) != text {
            // Replaced by rename, never written through a link planted in its place.
            try? DataDirectory.writeAtomically(Array(text.utf8), to: pubPath)
        }
        return key
    }

    static func load(directory: URL) throws(LedgerError) -> LedgerSigningKey {
        let path = directory.appendingPathComponent(fileName).path
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ELOOP, let problem = DataDirectory.keyFileProblem(path) {
                throw .signingKey(path: path, reason: "\(problem.what); fix: \(problem.fix)")
            }
            throw .signingKey(path: path, reason: errorText())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .signingKey(path: path, reason: errorText()) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .signingKey(path: path, reason: "not a regular file") }
        // A key someone else planted signs checkpoints they could forge. Only for signing: an
        // auditor reading a copy as another user derives the public key (publicKey(directory:)).
        if info.st_uid != geteuid(), let problem = DataDirectory.keyFileProblem(path) {
            throw .signingKey(path: path, reason: "\(problem.what); fix: \(problem.fix)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .signingKey(path: path, reason: "group or others may read it (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard info.st_size == 32 else { throw .signingKey(path: path, reason: "\(info.st_size) bytes, expected 32") }
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 32) }
        guard n == 32 else { throw .signingKey(path: path, reason: n < 0 ? errorText() : "short read") }
        do {
            return try LedgerSigningKey(privateBytes: bytes)
        } catch {
            throw .signingKey(path: path, reason: "not an Ed25519 key")
        }
    }

    /// The public key an auditor trusts: DATA/ledger-signing.pub, else derived from the private key.
    static func publicKey(directory: URL) -> [UInt8]? {
        let pubPath = directory.appendingPathComponent(publicFileName).path
        if let text = try? String(contentsOfFile: pubPath, encoding: .utf8),
           let bytes = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 {
            return bytes
        }
        return try? load(directory: directory).publicKey
    }

    /// All or nothing (DataDirectory.createExclusively): a second process creating the key at
    /// the same moment either wins the link or reads the complete winner, never half a key.
    private static func create(at path: String) throws(LedgerError) {
        do {
            try DataDirectory.createExclusively(Array(Curve25519.Signing.PrivateKey().rawRepresentation), at: path)
        } catch {
            throw .signingKey(path: path, reason: error.reason)
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
