import Foundation
import GRDB
import WelkomCore

/// One pass over the ledger in a single read transaction: every leaf against its record body
/// and its hash, every stored tree node against the leaves below it (streamed in the order the
/// nodes complete), every checkpoint's signature and root against the tree at its size.
struct LedgerVerifier {
    let db: Database
    let publicKey: [UInt8]?

    private struct Failure: Error {
        let verdict: LedgerVerification
    }

    func run(sinceCheckpoint: Int64?) throws -> LedgerVerification {
        do {
            return try check(sinceCheckpoint: sinceCheckpoint)
        } catch let failure as Failure {
            return failure.verdict
        }
    }

    private func check(sinceCheckpoint: Int64?) throws -> LedgerVerification {
        let checkpoints = try Row.fetchAll(db, sql: "SELECT * FROM checkpoint ORDER BY tree_size, id").map { row in
            do {
                return try LedgerCheckpointRow.decode(row)
            } catch {
                let id = (try? row.decode(Int64.self, forColumn: "id")) ?? 0
                throw Failure(verdict: .brokenCheckpoint(id: id, reason: "unreadable (a column holds a value of the wrong type)"))
            }
        }
        for c in checkpoints { try checkSignature(c) }

        var frontier = MerkleFrontier()
        if let sinceCheckpoint {
            guard let start = checkpoints.first(where: { $0.id == sinceCheckpoint }) else {
                throw LedgerError.noSuchCheckpoint(sinceCheckpoint)
            }
            // Trust the signed root for the entries it covers: the stored subtrees must give it.
            let parts = MerkleFrontier.decomposition(start.treeSize)
            do {
                frontier = try MerkleFrontier(size: start.treeSize, hashes: parts.map {
                    try LedgerTreeStore.storedHash(db, height: $0.height, index: $0.index)
                })
            } catch let error as LedgerError {
                if case let .unreadableEntry(seq, reason) = error { return .broken(seq: seq, reason: reason) }
                throw error
            }
            if frontier.root != start.root {
                return .brokenCheckpoint(id: start.id, reason: "the stored tree no longer gives this checkpoint's root (tree nodes or leaves were changed)")
            }
        }
        let base = Int64(frontier.size)
        var nextCheckpoint = checkpoints.firstIndex { Int64($0.treeSize) >= base } ?? checkpoints.count
        var checked = 0
        // Checkpoints at the starting size (a fresh ledger's, or the one we start from).
        while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].treeSize == frontier.size {
            try checkRoot(checkpoints[nextCheckpoint], frontier.root)
            nextCheckpoint += 1
            checked += 1
        }

        let nodes = try Row.fetchCursor(db, sql: "SELECT end_seq, height, hash FROM node WHERE end_seq > ? ORDER BY end_seq, height",
                                        arguments: [base])
        var pendingNode = try nodes.next()
        let leaves = try Row.fetchCursor(db, sql: """
            SELECT leaf.seq, leaf.time_ms, leaf.kind, leaf.body_hash, leaf.hash, leaf.removed,
                   body.seq AS body_seq, body.salt, body.customer, body.customer_salt, body.customer_commitment,
                   body.scheme, body.till, body.prompt, body.detail, body.receipt
            FROM leaf LEFT JOIN body ON body.seq = leaf.seq WHERE leaf.seq > ? ORDER BY leaf.seq
            """, arguments: [base])
        var expected = base + 1
        while let row = try leaves.next() {
            let hash = try checkLeaf(row, expected: expected)
            let seq = expected
            try frontier.append(leafHash: hash) { height, index, nodeHash in
                let first = Int64(index << UInt64(height)) + 1
                guard let node = pendingNode else {
                    throw Failure(verdict: .broken(seq: seq, reason: "the stored tree node over entries \(first)–\(seq) is missing"))
                }
                let end = (try? node.decode(Int64.self, atIndex: 0)) ?? -1
                let h = (try? node.decode(Int.self, atIndex: 1)) ?? -1
                guard end == seq, h == height else {
                    let what = end < seq || (end == seq && h < height) ? "a stored tree node that belongs to no subtree (ends at entry \(end), height \(h))"
                        : "the stored tree node over entries \(first)–\(seq) is missing"
                    throw Failure(verdict: .broken(seq: seq, reason: what))
                }
                guard let stored = try? node.decode(Data.self, atIndex: 2), Array(stored) == nodeHash else {
                    throw Failure(verdict: .broken(seq: seq, reason: "the stored tree node over entries \(first)–\(seq) does not match them"))
                }
                pendingNode = try nodes.next()
            }
            while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].treeSize == frontier.size {
                try checkRoot(checkpoints[nextCheckpoint], frontier.root)
                nextCheckpoint += 1
                checked += 1
            }
            expected += 1
        }
        if let node = pendingNode {
            let end = (try? node.decode(Int64.self, atIndex: 0)) ?? -1
            return .broken(seq: end, reason: "a stored tree node ends at entry \(end), after the last entry (entries were removed)")
        }
        if nextCheckpoint < checkpoints.count {
            let c = checkpoints[nextCheckpoint]
            return .brokenCheckpoint(id: c.id, reason: "it covers \(c.treeSize) entries but the ledger has only \(frontier.size) (entries were removed)")
        }
        return .intact(entries: Int64(frontier.size), root: Hex.encode(frontier.root), checkpoints: checked)
    }

    private func checkSignature(_ c: LedgerCheckpoint) throws {
        guard let publicKey else {
            throw Failure(verdict: .brokenCheckpoint(id: c.id, reason: "no public key to check its signature against (DATA/\(LedgerSigningKey.publicFileName) is missing; pass --public-key)"))
        }
        guard c.publicKey == publicKey else {
            throw Failure(verdict: .brokenCheckpoint(id: c.id, reason: "signed by another key (\(Hex.encode(c.publicKey.prefix(8)))…, expected \(Hex.encode(publicKey.prefix(8)))…)"))
        }
        guard c.root.count == MerkleTree.hashLength, c.isValidlySigned(by: publicKey) else {
            throw Failure(verdict: .brokenCheckpoint(id: c.id, reason: "the signature does not match its tree size, root and time"))
        }
    }

    private func checkRoot(_ c: LedgerCheckpoint, _ root: [UInt8]) throws {
        guard c.root == root else {
            throw Failure(verdict: .brokenCheckpoint(id: c.id, reason: "the first \(c.treeSize) entries do not give its signed root (an entry before it was changed, inserted or removed)"))
        }
    }

    /// Checks one leaf row and its body; returns the leaf hash. Columns by index (the SELECT in
    /// `check` fixes their order): looking them up by name costs more than the hashing.
    private func checkLeaf(_ row: Row, expected: Int64) throws -> [UInt8] {
        func broken(_ seq: Int64, _ reason: String) -> Failure { Failure(verdict: .broken(seq: seq, reason: reason)) }
        guard let seq = try? row.decode(Int64.self, atIndex: 0) else {
            throw broken(expected, "unreadable sequence number")
        }
        if seq != expected {
            throw seq > expected ? broken(expected, "entry \(expected) is missing (the next is \(seq))")
                : broken(seq, "sequence numbers out of order (expected \(expected))")
        }
        let time: Int64, kind: String, bodyHash: [UInt8], hash: [UInt8], removed: String?
        do {
            time = try row.decode(atIndex: 1)
            kind = try row.decode(atIndex: 2)
            bodyHash = Array(try row.decode(Data.self, atIndex: 3))
            hash = Array(try row.decode(Data.self, atIndex: 4))
            removed = try row.decode(atIndex: 5)
        } catch {
            throw broken(seq, "unreadable leaf (a column holds a value of the wrong type)")
        }
        if LedgerEntryKind(rawValue: kind) == nil { throw broken(seq, "unknown kind '\(kind)'") }
        if (try? row.decode(Int64?.self, atIndex: 6)) ?? nil != nil {
            let salt: Data, customer: String?, customerSalt: Data?, commitment: Data?
            let scheme: String?, till: String?, prompt: String?, detail: String?, receipt: String?
            do {
                salt = try row.decode(atIndex: 7)
                customer = try row.decode(atIndex: 8)
                customerSalt = try row.decode(atIndex: 9)
                commitment = try row.decode(atIndex: 10)
                scheme = try row.decode(atIndex: 11)
                till = try row.decode(atIndex: 12)
                prompt = try row.decode(atIndex: 13)
                detail = try row.decode(atIndex: 14)
                receipt = try row.decode(atIndex: 15)
            } catch {
                throw broken(seq, "unreadable record body (a column holds a value of the wrong type)")
            }
            if let scheme, Scheme(rawValue: scheme) == nil { throw broken(seq, "unknown scheme '\(scheme)'") }
            switch (customer, customerSalt, commitment) {
            case let (customer?, salt?, commitment?):
                if LedgerLeaf.customerCommitment(salt: Array(salt), customer: customer) != Array(commitment) {
                    throw broken(seq, "customer does not match its commitment")
                }
            case (nil, nil, _):
                break  // about nobody, or unlinked by a withdrawal
            case (_?, nil, _):
                throw broken(seq, "customer without salt")
            case (_?, _?, nil):
                throw broken(seq, "customer without commitment")
            case (nil, _?, _):
                throw broken(seq, "salt without customer")
            }
            let expectedBody = LedgerLeaf.bodyHash(salt: Array(salt), customerCommitment: commitment.map { Array($0) },
                                                   scheme: scheme, till: till, prompt: prompt, detail: detail, receipt: receipt)
            if expectedBody != bodyHash { throw broken(seq, "the record body does not match its hash") }
            if let removed { throw broken(seq, "marked \(removed) but its record body is still there") }
        } else if removed != "erased" && removed != "purged" {
            throw broken(seq, "the record body is missing, and no erasure or purge removed it")
        }
        if LedgerLeaf.hash(seq: seq, timeMilliseconds: time, kind: kind, bodyHash: bodyHash) != hash {
            throw broken(seq, "the leaf hash does not match the entry (time, kind or body hash changed)")
        }
        return hash
    }
}
