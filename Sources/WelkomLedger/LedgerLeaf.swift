import Crypto
import WelkomCore

/// What one ledger leaf commits to (docs/ledger.md has the same in prose):
///
///     leaf data = 0x01 || u64be(seq) || i64be(time_ms) || field(kind) || body_hash
///     leaf hash = SHA-256(0x00 || leaf data)                           (RFC 9162 leaf)
///     body_hash = SHA-256(body_salt || field(customer_commitment) || field(scheme) || field(till)
///                         || field(prompt) || field(detail) || field(receipt))
///     customer_commitment = SHA-256(customer_salt || UTF-8(customer))
///
/// `field` is `00` when absent, else `01 || u32be(length) || bytes`. Both salts are 16 random
/// bytes. Time and kind stay in the leaf in the clear; everything else is behind the salted
/// body hash (Crosby & Wallach 2009): deleting a body and its salt (erasure, retention) leaves
/// the leaf hash — and so every root and proof — valid, and leaves nothing to test a guess against.
public enum LedgerLeaf {
    public static let formatVersion: UInt8 = 1
    public static let saltLength = 16

    public static func data(seq: Int64, timeMilliseconds: Int64, kind: String, bodyHash: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [formatVersion]
        bytes.reserveCapacity(64 + kind.utf8.count)
        appendInteger(seq, to: &bytes)
        appendInteger(timeMilliseconds, to: &bytes)
        appendField(Array(kind.utf8), to: &bytes)
        bytes.append(contentsOf: bodyHash)
        return bytes
    }

    public static func hash(seq: Int64, timeMilliseconds: Int64, kind: String, bodyHash: [UInt8]) -> [UInt8] {
        MerkleTree.leafHash(data(seq: seq, timeMilliseconds: timeMilliseconds, kind: kind, bodyHash: bodyHash))
    }

    public static func bodyHash(salt: [UInt8], customerCommitment: [UInt8]?, scheme: String?, till: String?,
                                prompt: String?, detail: String?, receipt: String?) -> [UInt8] {
        var bytes = salt
        bytes.reserveCapacity(256)
        appendField(customerCommitment, to: &bytes)
        appendField(scheme.map { Array($0.utf8) }, to: &bytes)
        appendField(till.map { Array($0.utf8) }, to: &bytes)
        appendField(prompt.map { Array($0.utf8) }, to: &bytes)
        appendField(detail.map { Array($0.utf8) }, to: &bytes)
        appendField(receipt.map { Array($0.utf8) }, to: &bytes)
        return Array(SHA256.hash(data: bytes))
    }

    public static func customerCommitment(salt: [UInt8], customer: CustomerID) -> [UInt8] {
        var h = SHA256()
        h.update(data: salt)
        h.update(data: Array(customer.utf8))
        return Array(h.finalize())
    }

    /// 16 bytes from the system's CSPRNG (getrandom on Linux).
    static func newSalt() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        let a = rng.next(), b = rng.next()
        return withUnsafeBytes(of: (a, b)) { Array($0) }
    }

    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
    }

    static func appendField(_ field: [UInt8]?, to bytes: inout [UInt8]) {
        guard let field else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        let n = UInt32(truncatingIfNeeded: field.count)
        bytes.append(contentsOf: [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16),
                                  UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)])
        bytes.append(contentsOf: field)
    }
}
