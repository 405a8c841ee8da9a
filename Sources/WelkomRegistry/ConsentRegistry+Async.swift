import Foundation
import WelkomCore
import WelkomStorage

/// The registry from async code: every call runs on BlockingIO's queue, so a busy wait on
/// SQLite's write lock (another process enrolling) or an fsync never holds a cooperative thread.
extension ConsentRegistry {
    public func enroll(_ e: Enrolment) async throws {
        try await BlockingIO.run { try self.enroll(e) }
    }

    /// All or none, in one transaction (see the blocking `enroll(all:)`).
    public func enroll(all enrolments: [Enrolment]) async throws {
        try await BlockingIO.run { try self.enroll(all: enrolments) }
    }

    @discardableResult
    public func withdraw(customer: CustomerID) async throws -> Bool {
        try await BlockingIO.run { try self.withdraw(customer: customer) }
    }

    public func snapshot(at time: Date, withTokenKeys: Bool = false) async throws -> ConsentSnapshot {
        try await BlockingIO.run { try self.snapshot(at: time, withTokenKeys: withTokenKeys) }
    }

    public func keys(of customer: CustomerID, at time: Date) async throws -> ConsentKeys? {
        try await BlockingIO.run { try self.keys(of: customer, at: time) }
    }

    public func consents() async throws -> [ConsentSummary] {
        try await BlockingIO.run { try self.consents() }
    }

    public func profile(of customer: CustomerID) async throws -> CustomerProfile? {
        try await BlockingIO.run { try self.profile(of: customer) }
    }
}
