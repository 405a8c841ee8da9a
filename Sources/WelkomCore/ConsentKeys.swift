import struct Foundation.Date

/// The key material of one active consent, as the registry hands it to the recogniser.
/// Card numbers never appear here, only their keyed pseudonyms.
public struct ConsentKeys: Sendable, Equatable {
    public var customer: CustomerID
    /// WLK1 beacon key (16 bytes), if the customer has a phone app or fob.
    public var beaconKey: Block128?
    /// HMAC-SHA256 card pseudonyms, 32 bytes each.
    public var cardPseudonyms: [[UInt8]]
    /// When the consent lapses on its own, if ever.
    public var expires: Date?

    public init(customer: CustomerID, beaconKey: Block128? = nil, cardPseudonyms: [[UInt8]] = [], expires: Date? = nil) {
        self.customer = customer
        self.beaconKey = beaconKey
        self.cardPseudonyms = cardPseudonyms
        self.expires = expires
    }
}
