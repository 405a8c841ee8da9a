import Crypto
import Foundation
import WelkomCore
import WelkomStorage
#if canImport(Glibc)
import Glibc
#endif

/// The chain key (`[chain] key_file`, `--key-file`): 32 random bytes, mode 0600, held by the
/// gateways and the enrolment tools and never by the database. Key material is stored centrally
/// sealed under it (AES-GCM), and identifiers are compared by keyed fingerprints, so a copy of the
/// database — or a store's login — reveals no key, card number or, in the change log, customer.
///
/// Holds bytes, not `SymmetricKey` (not Sendable in swift-crypto 3.12).
public struct ChainKey: Sendable {
    public static let length = 32
    let sealBytes: [UInt8]
    let fingerprintBytes: [UInt8]

    public init(bytes: [UInt8]) {
        let root = SymmetricKey(data: bytes)
        func derive(_ info: String) -> [UInt8] {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: Data(info.utf8), outputByteCount: 32)
                .withUnsafeBytes { Array($0) }
        }
        sealBytes = derive("welkom-chain/seal/v1")
        fingerprintBytes = derive("welkom-chain/fingerprint/v1")
    }

    /// AES-GCM with a random nonce; `context` (the customer) is authenticated, so a sealed blob
    /// moved to another customer's row does not open.
    public func seal(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: SymmetricKey(data: sealBytes), authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw ChainError.key(path: "-", reason: "AES-GCM gave no combined box") }
        return Array(combined)
    }

    public func open(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.SealedBox(combined: sealed)
        return Array(try AES.GCM.open(box, using: SymmetricKey(data: sealBytes), authenticating: Data(context.utf8)))
    }

    /// HMAC-SHA256 of "kind:value": equal identifiers give equal fingerprints, so the database can
    /// refuse a key enrolled for two customers without holding the key.
    public func fingerprint(kind: String, value: [UInt8]) -> [UInt8] {
        var h = HMAC<SHA256>(key: SymmetricKey(data: fingerprintBytes))
        h.update(data: Data((kind + ":").utf8))
        h.update(data: value)
        return Array(h.finalize())
    }

    /// Stored at `chain init`: a tool holding another key is refused before it writes anything.
    public var check: [UInt8] { fingerprint(kind: "check", value: Array("welkom-chain".utf8)) }

    /// Reads the key file; with `create`, writes a new random key first when there is none.
    public static func load(path: String, create: Bool = false) throws -> ChainKey {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT, create else {
                throw ChainError.key(path: path, reason: String(cString: strerror(errno)))
            }
            try write(path: path)
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw ChainError.key(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ChainError.key(path: path, reason: "not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ChainError.key(path: path, reason: "group or others may read it (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard info.st_size == length else { throw ChainError.key(path: path, reason: "\(info.st_size) bytes, expected \(length)") }
        var bytes = [UInt8](repeating: 0, count: length)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, length) }
        guard n == length else { throw ChainError.key(path: path, reason: "short read") }
        return ChainKey(bytes: bytes)
    }

    /// A new key, all or nothing (DataDirectory.createExclusively): a full disk or a crash
    /// part-way leaves no key file rather than a short one every later start refuses, and a key
    /// another process made meanwhile is kept (and loaded), never replaced.
    private static func write(path: String) throws {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        do {
            try DataDirectory.createExclusively(bytes, at: path)
        } catch {
            throw ChainError.key(path: path, reason: error.reason)
        }
    }
}
