import Crypto
import Foundation
import WelkomCore

/// The hash chain that makes the ledger tamper-evident. Pure functions over bytes, no storage,
/// so that the later move to an RFC 9162 Merkle tree replaces this file and leaves the
/// record and storage code alone.
///
///     commitment = SHA-256(salt || UTF-8(customer))                     (salt: 16 random bytes)
///     hash_n     = SHA-256(hash_{n-1} || canonical(entry_n)),  hash_0 = 32 zero bytes
///
/// The chain covers the customer's *commitment*, not the customer ID itself: erasing the ID and
/// its salt (withdrawal, GDPR art. 17) leaves every hash valid, and without the salt nobody can
/// test a guessed ID against the commitment.
///
/// `canonical` is an unambiguous encoding, in this order: seq and time (milliseconds since
/// 1970, UTC) as 8-byte big-endian two's complement; then kind, commitment, scheme, till,
/// prompt, detail, each as a field: `00` when absent, or `01 || uint32_be(length) || bytes`.
public enum LedgerChain {
    /// hash_0: the "previous hash" of the first entry.
    public static let genesis = [UInt8](repeating: 0, count: 32)
    /// Bytes of random salt per customer commitment.
    public static let saltLength = 16

    public static func commitment(salt: [UInt8], customer: CustomerID) -> [UInt8] {
        var h = SHA256()
        h.update(data: salt)
        h.update(data: Array(customer.utf8))
        return Array(h.finalize())
    }

    /// The hash of one entry, chained onto `previous`.
    public static func link(previous: [UInt8], seq: Int64, timeMilliseconds: Int64, kind: String,
                            commitment: [UInt8]?, scheme: String?, till: String?, prompt: String?,
                            detail: String?) -> [UInt8] {
        var bytes = previous
        bytes.reserveCapacity(previous.count + 128)
        appendInteger(seq, to: &bytes)
        appendInteger(timeMilliseconds, to: &bytes)
        appendField(Array(kind.utf8), to: &bytes)
        appendField(commitment, to: &bytes)
        appendField(scheme.map { Array($0.utf8) }, to: &bytes)
        appendField(till.map { Array($0.utf8) }, to: &bytes)
        appendField(prompt.map { Array($0.utf8) }, to: &bytes)
        appendField(detail.map { Array($0.utf8) }, to: &bytes)
        return Array(SHA256.hash(data: bytes))
    }

    /// Fresh salt from the system's CSPRNG (getrandom on Linux).
    static func newSalt() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    private static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
    }

    private static func appendField(_ field: [UInt8]?, to bytes: inout [UInt8]) {
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
