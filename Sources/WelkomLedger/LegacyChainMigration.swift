import Foundation
import GRDB
import WelkomCore

/// A data directory written before the Merkle ledger holds a hash chain (table `entry`). Its
/// entries are carried over as leaves, in order and with their times, kinds, customers and
/// commitments unchanged (an unlinked entry stays unlinked), each under a fresh body salt.
/// The old chain is checked first and its verdict kept in `ledger_note` (`audit verify` prints
/// it): a chain broken before the move is said to be, not silently re-signed as sound.
/// The first checkpoint after the move then vouches for the carried-over entries.
enum LegacyChainMigration {
    static let noteKey = "migrated_from_hash_chain"

    static func carryOver(_ db: Database) throws {
        var previous = LedgerChain.genesis
        var verdict: String?
        var carried: Int64 = 0
        var drafts: [PreparedEntry] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM entry ORDER BY seq")
        while let row = try rows.next() {
            guard let r = try? LedgerRecord(row: row) else {
                verdict = verdict ?? "unreadable entry after \(carried)"
                continue
            }
            carried += 1
            if verdict == nil {
                if r.seq != carried {
                    verdict = "entry \(carried) was missing"
                } else if r.expectedHash(previous: previous) != r.hash {
                    verdict = "entry \(r.seq) did not match its hash"
                }
            }
            previous = r.hash
            drafts.append(PreparedEntry(
                timeMilliseconds: r.timeMilliseconds, kind: r.kind, customer: r.customer, customerSalt: r.salt,
                customerCommitment: r.customerCommitment, scheme: r.scheme, till: r.till, prompt: r.prompt,
                detail: r.detail, receipt: nil))
        }
        guard !drafts.isEmpty else { return }
        _ = try LedgerTreeStore.insert(drafts, db: db)
        let note = verdict.map { "\(carried) entries carried over; the old hash chain was BROKEN: \($0)" }
            ?? "\(carried) entries carried over; the old hash chain was intact (head \(Hex.encode(previous)))"
        try db.execute(sql: "INSERT OR REPLACE INTO ledger_note (key, value) VALUES (?, ?)", arguments: [noteKey, note])
    }
}
