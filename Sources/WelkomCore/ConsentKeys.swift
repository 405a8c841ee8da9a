import struct Foundation.Date

/// The key material of one active consent, as the registry hands it to the recogniser.
/// Card numbers never appear here, only their keyed pseudonyms.
public struct ConsentKeys: Sendable, Equatable {
    public var customer: CustomerID
    /// WLK1 beacon key (16 bytes), if the customer has a phone app or fob.
    public var beaconKey: Block128?
    /// HMAC-SHA256 card pseudonyms, 32 bytes each.
    public var cardPseudonyms: [[UInt8]]
    /// Eddystone-EID identity key, rotation exponent and the beacon's epoch, if enrolled.
    public var eid: EIDRegistration?
    /// Identity resolving key of a paired fob or phone (16 bytes), for RPAs.
    public var irk: Block128?
    /// iBeacon IDs and fixed addresses; matched only where static identifiers are allowed.
    public var staticIdentifiers: [StaticIdentifier]
    /// When the consent lapses on its own, if ever.
    public var expires: Date?

    public init(customer: CustomerID, beaconKey: Block128? = nil, cardPseudonyms: [[UInt8]] = [],
                eid: EIDRegistration? = nil, irk: Block128? = nil, staticIdentifiers: [StaticIdentifier] = [],
                expires: Date? = nil) {
        self.customer = customer
        self.beaconKey = beaconKey
        self.cardPseudonyms = cardPseudonyms
        self.eid = eid
        self.irk = irk
        self.staticIdentifiers = staticIdentifiers
        self.expires = expires
    }
}

/// An Eddystone-EID beacon as enrolled: its identity key, rotation exponent K (0…15) and the
/// Unix time at which its time counter read 0 (docs/identifiers.md, Eddystone-EID).
public struct EIDRegistration: Sendable, Equatable, Hashable {
    public var identityKey: Block128
    public var exponent: UInt8
    public var epoch: Int64

    public init(identityKey: Block128, exponent: UInt8, epoch: Int64) {
        self.identityKey = identityKey
        self.exponent = exponent
        self.epoch = epoch
    }
}
