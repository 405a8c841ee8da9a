import WelkomCore
import WelkomLedger
import XCTest

/// RFC 9162 hashing and proofs against Certificate Transparency's published test vectors (the
/// eight leaves of the RFC 6962 reference tests), then every proof of every small tree.
final class MerkleTreeTests: XCTestCase {
    let leaves: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                             Array(0x50...0x57), Array(0x60...0x6f)]
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    var hashes: [[UInt8]] { leaves.map(MerkleTree.leafHash) }

    func subtree(_ hashes: [[UInt8]]) -> (Range<UInt64>) -> [UInt8] {
        { MerkleTree.root(leafHashes: Array(hashes[Int($0.lowerBound)..<Int($0.upperBound)])) }
    }

    func testRootsMatchTheCTVectors() {
        XCTAssertEqual(Hex.encode(MerkleTree.emptyRoot), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for n in 1...8 {
            XCTAssertEqual(Hex.encode(MerkleTree.root(leafHashes: Array(hashes.prefix(n)))), roots[n - 1], "size \(n)")
            var frontier = MerkleFrontier()
            for h in hashes.prefix(n) { frontier.append(leafHash: h) }
            XCTAssertEqual(Hex.encode(frontier.root), roots[n - 1], "frontier at size \(n)")
        }
    }

    func testProofsMatchTheCTVectors() throws {
        let h = hashes
        XCTAssertEqual(try MerkleTree.inclusionProof(index: 0, size: 8, subtree: subtree(h)).map(Hex.encode), [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"])
        XCTAssertEqual(try MerkleTree.inclusionProof(index: 5, size: 8, subtree: subtree(h)).map(Hex.encode), [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"])
        XCTAssertEqual(try MerkleTree.consistencyProof(old: 3, new: 7, subtree: subtree(h)).map(Hex.encode), [
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"])
        XCTAssertEqual(try MerkleTree.consistencyProof(old: 4, new: 8, subtree: subtree(h)).map(Hex.encode),
                       ["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"])
    }

    /// Every inclusion and consistency proof of trees up to 40 leaves verifies, and any change to
    /// a proof, the leaf, the index or the root makes it fail.
    func testEveryProofOfSmallTreesVerifiesAndAnyChangeFails() throws {
        let h = (0..<40).map { MerkleTree.leafHash([UInt8(truncatingIfNeeded: $0), 0xAB]) }
        let sub = subtree(h)
        for n in 1...UInt64(40) {
            let root = MerkleTree.root(leafHashes: Array(h.prefix(Int(n))))
            for i in 0..<n {
                let proof = try MerkleTree.inclusionProof(index: i, size: n, subtree: sub)
                XCTAssertTrue(MerkleTree.verifyInclusion(index: i, size: n, leafHash: h[Int(i)], proof: proof, root: root), "\(i) in \(n)")
                XCTAssertFalse(MerkleTree.verifyInclusion(index: i, size: n, leafHash: h[(Int(i) + 1) % 40], proof: proof, root: root))
                if n > 1 {
                    XCTAssertFalse(MerkleTree.verifyInclusion(index: (i + 1) % n, size: n, leafHash: h[Int(i)], proof: proof, root: root))
                    var bad = proof
                    bad[0][0] ^= 1
                    XCTAssertFalse(MerkleTree.verifyInclusion(index: i, size: n, leafHash: h[Int(i)], proof: bad, root: root))
                    XCTAssertFalse(MerkleTree.verifyInclusion(index: i, size: n, leafHash: h[Int(i)], proof: proof + [root], root: root))
                }
            }
            for m in 0...n {
                let old = MerkleTree.root(leafHashes: Array(h.prefix(Int(m))))
                let proof = try MerkleTree.consistencyProof(old: m, new: n, subtree: sub)
                XCTAssertTrue(MerkleTree.verifyConsistency(old: m, new: n, oldRoot: old, newRoot: root, proof: proof), "\(m)→\(n)")
                if m > 0 && m < n {
                    var bad = proof
                    bad[bad.count - 1][5] ^= 0x80
                    XCTAssertFalse(MerkleTree.verifyConsistency(old: m, new: n, oldRoot: old, newRoot: root, proof: bad))
                    XCTAssertFalse(MerkleTree.verifyConsistency(old: m, new: n, oldRoot: root, newRoot: root, proof: proof))
                }
            }
        }
        XCTAssertThrowsError(try MerkleTree.inclusionProof(index: 5, size: 5, subtree: sub))
        XCTAssertThrowsError(try MerkleTree.consistencyProof(old: 6, new: 5, subtree: sub))
    }

    func testFrontierReportsEveryCompletedSubtree() {
        var frontier = MerkleFrontier()
        var completed: [(Int, UInt64)] = []
        for i in 0..<8 { frontier.append(leafHash: hashes[i]) { height, index, _ in completed.append((height, index)) } }
        XCTAssertEqual(completed.map { "\($0.0):\($0.1)" }, ["1:0", "1:1", "2:0", "1:2", "1:3", "2:1", "3:0"])
        XCTAssertEqual(MerkleFrontier.decomposition(13).map { "\($0.height):\($0.index)" }, ["3:0", "2:2", "0:12"])
    }
}
