import Foundation
import GRDB
import WelkomCore

/// An entry ready to be written: its fields as stored. `customerSalt`/`customerCommitment` are
/// given only when carrying over an old entry; new ones get a fresh salt.
struct PreparedEntry: Sendable {
    var timeMilliseconds: Int64
    var kind: String
    var customer: String?
    var customerSalt: [UInt8]?
    var customerCommitment: [UInt8]?
    var scheme: String?
    var till: String?
    var prompt: String?
    var detail: String?
    var receipt: String?

    init(timeMilliseconds: Int64, kind: String, customer: String?, customerSalt: [UInt8]? = nil,
         customerCommitment: [UInt8]? = nil, scheme: String?, till: String?, prompt: String?, detail: String?,
         receipt: String?) {
        self.timeMilliseconds = timeMilliseconds
        self.kind = kind
        self.customer = customer
        self.customerSalt = customerSalt
        self.customerCommitment = customerCommitment
        self.scheme = scheme
        self.till = till
        self.prompt = prompt
        self.detail = detail
        self.receipt = receipt
    }

    init(_ draft: LedgerDraft, receipt: String? = nil) {
        self.init(timeMilliseconds: LedgerTime.milliseconds(draft.time), kind: draft.kind.rawValue,
                  customer: draft.customer, scheme: draft.scheme?.rawValue, till: draft.till,
                  prompt: draft.prompt, detail: draft.detail, receipt: receipt)
    }
}

/// The tree's rows in SQLite: appending leaves with their bodies and completed nodes, and
/// answering MTH(D[a:b]) from stored hashes. Every function runs inside the caller's transaction.
enum LedgerTreeStore {
    // Cached statements: each append reads the tree's right edge (about log2(n) hashes), and
    // compiling those reads anew every time was most of a one-entry transaction's CPU.
    static func size(_ db: Database) throws -> UInt64 {
        UInt64(max(0, try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM leaf")) ?? 0))
    }

    /// Appends entries as leaves after the current last one, in one go.
    static func insert(_ entries: [PreparedEntry], db: Database) throws -> [LedgerEntry] {
        let start = try size(db)
        var frontier = try MerkleFrontier(size: start, hashes: MerkleFrontier.decomposition(start).map {
            try storedHash(db, height: $0.height, index: $0.index)
        })
        let leafStmt = try db.cachedStatement(sql: "INSERT INTO leaf (seq, time_ms, kind, body_hash, hash) VALUES (?, ?, ?, ?, ?)")
        let bodyStmt = try db.cachedStatement(sql: """
            INSERT INTO body (seq, salt, customer, customer_salt, customer_commitment, scheme, till, prompt, detail, receipt)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let nodeStmt = try db.cachedStatement(sql: "INSERT INTO node (end_seq, height, hash) VALUES (?, ?, ?)")
        var result: [LedgerEntry] = []
        result.reserveCapacity(entries.count)
        for e in entries {
            let seq = Int64(frontier.size) + 1
            var salt = e.customerSalt, commitment = e.customerCommitment
            if let customer = e.customer, commitment == nil {
                let s = LedgerLeaf.newSalt()
                salt = s
                commitment = LedgerLeaf.customerCommitment(salt: s, customer: customer)
            }
            let bodySalt = LedgerLeaf.newSalt()
            let bodyHash = LedgerLeaf.bodyHash(salt: bodySalt, customerCommitment: commitment, scheme: e.scheme,
                                               till: e.till, prompt: e.prompt, detail: e.detail, receipt: e.receipt)
            let hash = LedgerLeaf.hash(seq: seq, timeMilliseconds: e.timeMilliseconds, kind: e.kind, bodyHash: bodyHash)
            try leafStmt.execute(arguments: [seq, e.timeMilliseconds, e.kind, Data(bodyHash), Data(hash)])
            try bodyStmt.execute(arguments: [seq, Data(bodySalt), e.customer, salt.map { Data($0) },
                                             commitment.map { Data($0) }, e.scheme, e.till, e.prompt, e.detail, e.receipt])
            try frontier.append(leafHash: hash) { height, _, nodeHash in
                try nodeStmt.execute(arguments: [seq, height, Data(nodeHash)])
            }
            result.append(LedgerEntry(
                seq: seq, time: LedgerTime.date(milliseconds: e.timeMilliseconds),
                kind: LedgerEntryKind(rawValue: e.kind) ?? .purge, customer: e.customer,
                scheme: e.scheme.flatMap(Scheme.init(rawValue:)), till: e.till, prompt: e.prompt, detail: e.detail,
                hash: Hex.encode(hash)))
        }
        return result
    }

    /// The stored hash of the perfect subtree of `height` with `index` (a leaf at height 0).
    static func storedHash(_ db: Database, height: Int, index: UInt64) throws -> [UInt8] {
        let data: Data?
        if height == 0 {
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM leaf WHERE seq = ?"),
                                     arguments: [Int64(index) + 1])
        } else {
            let end = (index + 1) << UInt64(height)
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM node WHERE end_seq = ? AND height = ?"),
                                     arguments: [Int64(end), height])
        }
        guard let data, data.count == MerkleTree.hashLength else {
            let first = (index << UInt64(height)) + 1, last = (index + 1) << UInt64(height)
            throw LedgerError.unreadableEntry(seq: Int64(last), reason: height == 0
                ? "the leaf hash of entry \(last) is missing or malformed"
                : "the tree node over entries \(first)–\(last) is missing or malformed; run `welkom audit verify`")
        }
        return Array(data)
    }

    /// MTH(D[range]) from stored hashes: O(log n) reads for the ranges RFC 9162 proofs ask for.
    static func subtreeHash(_ db: Database, _ range: Range<UInt64>) throws -> [UInt8] {
        let n = UInt64(range.count)
        if n == 0 { return MerkleTree.emptyRoot }
        if n & (n - 1) == 0, range.lowerBound % n == 0 {
            let height = n.trailingZeroBitCount
            return try storedHash(db, height: height, index: range.lowerBound >> UInt64(height))
        }
        let k = MerkleTree.split(n)
        let mid = range.lowerBound + k
        return MerkleTree.nodeHash(try subtreeHash(db, range.lowerBound..<mid), try subtreeHash(db, mid..<range.upperBound))
    }

    static func root(_ db: Database, size: UInt64) throws -> [UInt8] {
        try subtreeHash(db, 0..<size)
    }
}
