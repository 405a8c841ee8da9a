import Foundation
import GRDB
import WelkomCore

/// One entry as the ledger holds it: the public view, what became of its record body, its
/// consent receipt (consent records only) and its leaf hash.
public struct LedgerStoredEntry: Sendable, Equatable {
    public enum Record: String, Sendable {
        /// The body is there (the customer may still have been unlinked by a withdrawal).
        case kept
        /// Deleted by `audit erase`.
        case erased
        /// Deleted by retention (`audit purge`).
        case purged
    }

    public var entry: LedgerEntry
    public var record: Record
    /// ConsentReceipt JSON of a consent record.
    public var receipt: String?
    public var leafHash: [UInt8]

    /// An entry read from elsewhere than this ledger's tables (the chain's shipped copy), so it
    /// prints through the same LedgerJSONLine and LedgerCSVLine as a store's own.
    public init(entry: LedgerEntry, record: Record, receipt: String?, leafHash: [UInt8]) {
        self.entry = entry
        self.record = record
        self.receipt = receipt
        self.leafHash = leafHash
    }

    static let columns = """
        leaf.seq, leaf.time_ms, leaf.kind, leaf.hash, leaf.removed, body.seq AS body_seq, body.customer,
        body.scheme, body.till, body.prompt, body.detail, body.receipt
        """

    /// Throws (never traps) on a value of the wrong type, so a tampered row is an error, not a crash.
    init(row: Row) throws {
        let seq: Int64 = try row.decode(forColumn: "seq")
        let kindText: String = try row.decode(forColumn: "kind")
        guard let kind = LedgerEntryKind(rawValue: kindText) else {
            throw LedgerError.unreadableEntry(seq: seq, reason: "unknown kind '\(kindText)'")
        }
        let hasBody = try row.decode(Int64?.self, forColumn: "body_seq") != nil
        let schemeText: String? = try row.decode(forColumn: "scheme")
        var scheme: Scheme?
        if let schemeText {
            guard let s = Scheme(rawValue: schemeText) else {
                throw LedgerError.unreadableEntry(seq: seq, reason: "unknown scheme '\(schemeText)'")
            }
            scheme = s
        }
        let hash = Array(try row.decode(Data.self, forColumn: "hash"))
        entry = LedgerEntry(seq: seq, time: LedgerTime.date(milliseconds: try row.decode(forColumn: "time_ms")), kind: kind,
                            customer: try row.decode(forColumn: "customer"), scheme: scheme,
                            till: try row.decode(forColumn: "till"), prompt: try row.decode(forColumn: "prompt"),
                            detail: try row.decode(forColumn: "detail"), hash: Hex.encode(hash))
        let removed: String? = try row.decode(forColumn: "removed")
        record = hasBody ? .kept : (removed == "erased" ? .erased : .purged)
        receipt = try row.decode(forColumn: "receipt")
        leafHash = hash
    }
}

/// Which entries `audit query` (and the other readers) want. Every condition is optional.
public struct LedgerQuery: Sendable, Equatable {
    public var after: Int64
    public var limit: Int?
    public var customer: CustomerID?
    public var kinds: Set<LedgerEntryKind>
    public var till: TillID?
    public var from: Date?
    /// Exclusive.
    public var until: Date?

    public init(after: Int64 = 0, limit: Int? = nil, customer: CustomerID? = nil, kinds: Set<LedgerEntryKind> = [],
                till: TillID? = nil, from: Date? = nil, until: Date? = nil) {
        self.after = after
        self.limit = limit
        self.customer = customer
        self.kinds = kinds
        self.till = till
        self.from = from
        self.until = until
    }

    func fetch(_ db: Database) throws -> [LedgerStoredEntry] {
        var conditions = ["leaf.seq > ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [after]
        if let customer {
            conditions.append("body.customer = ?")
            arguments.append(customer)
        }
        if !kinds.isEmpty {
            conditions.append("leaf.kind IN (\(kinds.map { _ in "?" }.joined(separator: ",")))")
            arguments.append(contentsOf: kinds.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue))
        }
        if let till {
            conditions.append("body.till = ?")
            arguments.append(till)
        }
        if let from {
            conditions.append("leaf.time_ms >= ?")
            arguments.append(LedgerTime.milliseconds(from))
        }
        if let until {
            conditions.append("leaf.time_ms < ?")
            arguments.append(LedgerTime.milliseconds(until))
        }
        arguments.append(limit ?? -1)
        let sql = "SELECT \(LedgerStoredEntry.columns) FROM leaf LEFT JOIN body ON body.seq = leaf.seq WHERE "
            + conditions.joined(separator: " AND ") + " ORDER BY leaf.seq LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(LedgerStoredEntry.init(row:))
    }
}

/// Reading the checkpoint table.
enum LedgerCheckpointRow {
    static func decode(_ row: Row) throws -> LedgerCheckpoint {
        LedgerCheckpoint(id: try row.decode(forColumn: "id"), treeSize: UInt64(max(0, try row.decode(Int64.self, forColumn: "tree_size"))),
                         root: Array(try row.decode(Data.self, forColumn: "root")),
                         timeMilliseconds: try row.decode(forColumn: "time_ms"),
                         publicKey: Array(try row.decode(Data.self, forColumn: "public_key")),
                         signature: Array(try row.decode(Data.self, forColumn: "signature")))
    }

    static func all(_ db: Database) throws -> [LedgerCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM checkpoint ORDER BY id").map(decode)
    }

    static func latest(_ db: Database) throws -> LedgerCheckpoint? {
        try Row.fetchOne(db, sql: "SELECT * FROM checkpoint ORDER BY id DESC LIMIT 1").map(decode)
    }

    static func one(_ db: Database, id: Int64) throws -> LedgerCheckpoint? {
        try Row.fetchOne(db, sql: "SELECT * FROM checkpoint WHERE id = ?", arguments: [id]).map(decode)
    }
}
