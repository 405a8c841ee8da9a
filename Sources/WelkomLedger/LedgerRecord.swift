import Foundation
import GRDB
import WelkomCore

/// One row of the `entry` table, exactly as stored: what the chain hashes plus the erasable
/// customer link. Kept apart from the chain (LedgerChain) and from the public LedgerEntry.
struct LedgerRecord: FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "entry"

    var seq: Int64
    var timeMilliseconds: Int64
    var kind: String
    /// The customer ID; NULL for entries about nobody, and once unlinked.
    var customer: String?
    /// 16 random bytes; NULL together with `customer` once unlinked.
    var salt: [UInt8]?
    /// SHA-256(salt || customer); stays after unlinking so the chain still verifies.
    var customerCommitment: [UInt8]?
    var scheme: String?
    var till: String?
    var prompt: String?
    var detail: String?
    var hash: [UInt8]

    enum Columns {
        static let seq = Column("seq")
        static let customer = Column("customer")
    }

    init(seq: Int64, timeMilliseconds: Int64, kind: String, customer: String?, salt: [UInt8]?,
         customerCommitment: [UInt8]?, scheme: String?, till: String?, prompt: String?,
         detail: String?, hash: [UInt8]) {
        self.seq = seq
        self.timeMilliseconds = timeMilliseconds
        self.kind = kind
        self.customer = customer
        self.salt = salt
        self.customerCommitment = customerCommitment
        self.scheme = scheme
        self.till = till
        self.prompt = prompt
        self.detail = detail
        self.hash = hash
    }

    /// Throws (never traps) on a value of the wrong type, so `verify` can report a tampered row.
    init(row: Row) throws {
        seq = try row.decode(forColumn: "seq")
        timeMilliseconds = try row.decode(forColumn: "time_ms")
        kind = try row.decode(forColumn: "kind")
        customer = try row.decode(forColumn: "customer")
        salt = try (row.decode(Data?.self, forColumn: "salt")).map { Array($0) }
        customerCommitment = try (row.decode(Data?.self, forColumn: "customer_commitment")).map { Array($0) }
        scheme = try row.decode(forColumn: "scheme")
        till = try row.decode(forColumn: "till")
        prompt = try row.decode(forColumn: "prompt")
        detail = try row.decode(forColumn: "detail")
        hash = Array(try row.decode(Data.self, forColumn: "hash"))
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["seq"] = seq
        container["time_ms"] = timeMilliseconds
        container["kind"] = kind
        container["customer"] = customer
        container["salt"] = salt.map { Data($0) }
        container["customer_commitment"] = customerCommitment.map { Data($0) }
        container["scheme"] = scheme
        container["till"] = till
        container["prompt"] = prompt
        container["detail"] = detail
        container["hash"] = Data(hash)
    }

    /// The chain hash this row should carry, given the previous row's hash.
    func expectedHash(previous: [UInt8]) -> [UInt8] {
        LedgerChain.link(previous: previous, seq: seq, timeMilliseconds: timeMilliseconds, kind: kind,
                         commitment: customerCommitment, scheme: scheme, till: till, prompt: prompt,
                         detail: detail)
    }

    /// The public view. Throws on a kind or scheme this version does not know (a tampered or
    /// newer ledger) rather than inventing one.
    func entry() throws(LedgerError) -> LedgerEntry {
        guard let kind = LedgerEntryKind(rawValue: kind) else {
            throw LedgerError.unreadableEntry(seq: seq, reason: "unknown kind '\(self.kind)'")
        }
        var parsedScheme: Scheme?
        if let scheme {
            guard let s = Scheme(rawValue: scheme) else {
                throw LedgerError.unreadableEntry(seq: seq, reason: "unknown scheme '\(scheme)'")
            }
            parsedScheme = s
        }
        return LedgerEntry(seq: seq, time: LedgerTime.date(milliseconds: timeMilliseconds), kind: kind,
                           customer: customer, scheme: parsedScheme, till: till, prompt: prompt,
                           detail: detail, hash: Hex.encode(hash))
    }
}
