import Foundation
import WelkomCore
import WelkomStorage

/// The pairing store from the till hub's async code (every request checks its token): each call
/// runs on BlockingIO's queue, so a busy wait on SQLite never holds a cooperative thread.
extension PairingStore {
    public func redeem(code: String, now: Date, tokenLifetime: TimeInterval = PairingStore.defaultTokenLifetime) async throws -> NewPairing? {
        try await BlockingIO.run { try self.redeem(code: code, now: now, tokenLifetime: tokenLifetime) }
    }

    public func pairing(token: String, now: Date = Date()) async throws -> Pairing? {
        try await BlockingIO.run { try self.pairing(token: token, now: now) }
    }

    public func exists(pairingID: String, now: Date = Date()) async throws -> Bool {
        try await BlockingIO.run { try self.exists(pairingID: pairingID, now: now) }
    }

    @discardableResult
    public func renew(pairingID: String, now: Date, until: Date) async throws -> Bool {
        try await BlockingIO.run { try self.renew(pairingID: pairingID, now: now, until: until) }
    }

    @discardableResult
    public func revoke(pairingID: String) async throws -> Bool {
        try await BlockingIO.run { try self.revoke(pairingID: pairingID) }
    }
}
