import Crypto

/// RFC 9162 §2.1 (Certificate Transparency v2) Merkle tree hashing and proofs, as pure functions.
///
///     leaf hash = SHA-256(0x00 || leaf data)
///     node hash = SHA-256(0x01 || left || right)
///     MTH({})   = SHA-256()
///
/// Proofs are built from a `subtree` function that returns MTH(D[a:b]) for a leaf range; the
/// ledger answers it from stored node hashes in O(log n) reads (`LedgerTreeStore`), tests from
/// an array. Written here rather than taken from a package because none of the maintained
/// Swift packages available to this project implements RFC 9162 proofs.
public enum MerkleTree {
    public static let hashLength = 32

    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(data: [0x00])
        h.update(data: data)
        return Array(h.finalize())
    }

    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(data: [0x01])
        h.update(data: left)
        h.update(data: right)
        return Array(h.finalize())
    }

    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The largest power of two strictly less than `n`: RFC 9162's split point k (callers pass n ≥ 2).
    public static func split(_ n: UInt64) -> UInt64 {
        var k: UInt64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH over leaf hashes held in memory (tests, small trees).
    public static func root(leafHashes: [[UInt8]]) -> [UInt8] {
        guard !leafHashes.isEmpty else { return emptyRoot }
        return subtree(leafHashes[...])
    }

    private static func subtree(_ hashes: ArraySlice<[UInt8]>) -> [UInt8] {
        if hashes.count == 1 { return hashes.first! }
        let k = Int(split(UInt64(hashes.count)))
        let mid = hashes.startIndex + k
        return nodeHash(subtree(hashes[..<mid]), subtree(hashes[mid...]))
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1),
    /// nearest sibling first.
    public static func inclusionProof(index: UInt64, size: UInt64,
                                      subtree: (Range<UInt64>) throws -> [UInt8]) throws -> [[UInt8]] {
        guard index < size else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        var path: [[UInt8]] = []
        try inclusionPath(index, 0..<size, subtree, &path)
        return path
    }

    private static func inclusionPath(_ m: UInt64, _ range: Range<UInt64>,
                                      _ subtree: (Range<UInt64>) throws -> [UInt8], _ path: inout [[UInt8]]) throws {
        let n = UInt64(range.count)
        guard n > 1 else { return }
        let k = split(n), a = range.lowerBound
        if m < k {
            try inclusionPath(m, a..<(a + k), subtree, &path)
            path.append(try subtree((a + k)..<range.upperBound))
        } else {
            try inclusionPath(m - k, (a + k)..<range.upperBound, subtree, &path)
            path.append(try subtree(a..<(a + k)))
        }
    }

    /// The consistency proof between the trees of the first `old` and `new` leaves
    /// (RFC 9162 §2.1.4.1). Empty when old is 0 or equal to new.
    public static func consistencyProof(old: UInt64, new: UInt64,
                                        subtree: (Range<UInt64>) throws -> [UInt8]) throws -> [[UInt8]] {
        guard old <= new else { throw MerkleError.sizesOutOfOrder(old: old, new: new) }
        guard old > 0, old < new else { return [] }
        var proof: [[UInt8]] = []
        try subproof(old, 0..<new, true, subtree, &proof)
        return proof
    }

    private static func subproof(_ m: UInt64, _ range: Range<UInt64>, _ complete: Bool,
                                 _ subtree: (Range<UInt64>) throws -> [UInt8], _ proof: inout [[UInt8]]) throws {
        let n = UInt64(range.count), a = range.lowerBound
        if m == n {
            if !complete { proof.append(try subtree(range)) }
            return
        }
        let k = split(n)
        if m <= k {
            try subproof(m, a..<(a + k), complete, subtree, &proof)
            proof.append(try subtree((a + k)..<range.upperBound))
        } else {
            try subproof(m - k, (a + k)..<range.upperBound, false, subtree, &proof)
            proof.append(try subtree(a..<(a + k)))
        }
    }

    /// RFC 9162 §2.1.3.2: does `proof` show the leaf with `leafHash` at `index` in the tree of
    /// `size` leaves whose root is `root`?
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]],
                                       root: [UInt8]) -> Bool {
        guard index < size else { return false }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: is the tree of `new` leaves with `newRoot` an append-only extension of
    /// the tree of `old` leaves with `oldRoot`?
    public static func verifyConsistency(old: UInt64, new: UInt64, oldRoot: [UInt8], newRoot: [UInt8],
                                         proof: [[UInt8]]) -> Bool {
        guard old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        if old == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = old - 1, sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first, sr = first
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

public enum MerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    case indexOutOfRange(index: UInt64, size: UInt64)
    case sizesOutOfOrder(old: UInt64, new: UInt64)

    public var description: String {
        switch self {
        case let .indexOutOfRange(index, size): "leaf \(index) is not in a tree of \(size) leaves"
        case let .sizesOutOfOrder(old, new): "a tree of \(old) leaves cannot be a prefix of one of \(new)"
        }
    }
}
