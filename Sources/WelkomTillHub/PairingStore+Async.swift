import Foundation
import WelkomCore
import WelkomStorage

/// The pairing store from the till hub's async code (every request checks its token): each call
/// runs on BlockingIO's queue, so a busy wait on SQLite never holds a cooperative thread.
extension PairingStore {
    public func redeem(code: String, now: Date) async throws -> NewPairing? {
        try await BlockingIO.run { try self.redeem(code: code, now: now) }
    }

    public func pairing(token: String) async throws -> Pairing? {
        try await BlockingIO.run { try self.pairing(token: token) }
    }

    public func exists(pairingID: String) async throws -> Bool {
        try await BlockingIO.run { try self.exists(pairingID: pairingID) }
    }

    @discardableResult
    public func revoke(pairingID: String) async throws -> Bool {
        try await BlockingIO.run { try self.revoke(pairingID: pairingID) }
    }
}
