import Foundation
import WelkomCore
import WelkomStorage

/// The ledger's writes and scans from async code: each runs on BlockingIO's queue, never on a
/// cooperative thread (an unlink or a purge rewrites rows and truncates the log; a checkpoint
/// signs and fsyncs). Appends have their own suspending path, `submit`, through the group commit.
extension Ledger {
    public func unlink(customer: CustomerID) async throws -> Int {
        try await BlockingIO.run { try self.unlink(customer: customer) }
    }

    public func erase(customer: CustomerID, at time: Date) async throws -> (erased: Int, entry: LedgerEntry?) {
        try await BlockingIO.run { try self.erase(customer: customer, at: time) }
    }

    public func purge(before cutoff: Date, at time: Date) async throws -> (purged: Int, entry: LedgerEntry?) {
        try await BlockingIO.run { try self.purge(before: cutoff, at: time) }
    }

    public func writeCheckpoint(at time: Date, onlyIfGrown: Bool = false) async throws -> LedgerCheckpoint? {
        try await BlockingIO.run { try self.writeCheckpoint(at: time, onlyIfGrown: onlyIfGrown) }
    }

    public func stored(_ query: LedgerQuery) async throws -> [LedgerStoredEntry] {
        try await BlockingIO.run { try self.stored(query) }
    }

    public func count() async throws -> Int64 {
        try await BlockingIO.run { try self.count() }
    }
}
