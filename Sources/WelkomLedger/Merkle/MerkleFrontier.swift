/// The right edge of a Merkle tree being built leaf by leaf (a "compact range"): the roots of
/// the perfect subtrees that make up the first n leaves, largest first. Gives the root of the
/// tree at any size in O(log n) and reports every perfect subtree as it completes, which is how
/// the ledger stores its node hashes and how `verify` checks them in one pass.
public struct MerkleFrontier: Sendable, Equatable {
    /// (height, hash), height strictly decreasing.
    public private(set) var subtrees: [(height: Int, hash: [UInt8])]
    public private(set) var size: UInt64

    public init() {
        subtrees = []
        size = 0
    }

    /// Starts from the perfect subtrees of an existing tree of `size` leaves, largest first, as
    /// `MerkleFrontier.decomposition(size)` lists them.
    public init(size: UInt64, hashes: [[UInt8]]) throws {
        let parts = Self.decomposition(size)
        guard parts.count == hashes.count else {
            throw MerkleError.indexOutOfRange(index: UInt64(hashes.count), size: UInt64(parts.count))
        }
        subtrees = zip(parts, hashes).map { ($0.height, $1) }
        self.size = size
    }

    /// Adds a leaf; calls `completed(height, index, hash)` for every perfect subtree of height ≥ 1
    /// this completes, lowest first. `index` counts subtrees of that height from the left.
    public mutating func append(leafHash: [UInt8]) {
        append(leafHash: leafHash) { _, _, _ in }
    }

    public mutating func append(leafHash: [UInt8], completed: (Int, UInt64, [UInt8]) throws -> Void) rethrows {
        subtrees.append((0, leafHash))
        size += 1
        while subtrees.count >= 2, subtrees[subtrees.count - 1].height == subtrees[subtrees.count - 2].height {
            let right = subtrees.removeLast(), left = subtrees.removeLast()
            let merged = (height: left.height + 1, hash: MerkleTree.nodeHash(left.hash, right.hash))
            subtrees.append(merged)
            try completed(merged.height, (size >> UInt64(merged.height)) - 1, merged.hash)
        }
    }

    /// MTH of the leaves appended so far.
    public var root: [UInt8] {
        guard var r = subtrees.last?.hash else { return MerkleTree.emptyRoot }
        for s in subtrees.dropLast().reversed() { r = MerkleTree.nodeHash(s.hash, r) }
        return r
    }

    /// The perfect subtrees of the first `size` leaves, largest first: (height, index at that height).
    public static func decomposition(_ size: UInt64) -> [(height: Int, index: UInt64)] {
        var parts: [(Int, UInt64)] = []
        var start: UInt64 = 0
        for height in stride(from: 63, through: 0, by: -1) where size & (1 << UInt64(height)) != 0 {
            parts.append((height, start >> UInt64(height)))
            start += 1 << UInt64(height)
        }
        return parts
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.subtrees.map(\.height) == b.subtrees.map(\.height) && a.subtrees.map(\.hash) == b.subtrees.map(\.hash)
    }
}
