import Foundation
import WelkomCore

/// A paired till display, as `welkom till pairings` lists it. The token is not here: only its
/// hash is kept.
public struct Pairing: Sendable, Equatable {
    /// Short random name for revoking it.
    public var id: String
    public var till: TillID
    public var created: Date
    /// When the token stops working unless its page renews it first.
    public var expires: Date?
    /// `desk` for a display paired with `till pair --desk`.
    public var role: PairingRole

    public init(id: String, till: TillID, created: Date, expires: Date? = nil, role: PairingRole = .till) {
        self.id = id
        self.till = till
        self.created = created
        self.expires = expires
        self.role = role
    }
}
