import struct Foundation.Date

/// The recogniser's answer when a sighting belongs to a customer with an active consent.
public struct Recognition: Sendable, Equatable {
    public var customer: CustomerID
    public var scheme: Scheme
    public var time: Date
    public var till: TillID?
    public var rssi: Int?
    /// Which receiver heard it (radio sightings), for till zones.
    public var receiver: String?

    public init(customer: CustomerID, scheme: Scheme, time: Date, till: TillID? = nil, rssi: Int? = nil,
                receiver: String? = nil) {
        self.customer = customer
        self.scheme = scheme
        self.time = time
        self.till = till
        self.rssi = rssi
        self.receiver = receiver
    }
}
