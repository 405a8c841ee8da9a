import struct Foundation.Date

/// The recogniser's answer when a sighting belongs to a customer with an active consent.
public struct Recognition: Sendable, Equatable {
    public var customer: CustomerID
    public var scheme: Scheme
    public var time: Date
    public var till: TillID?
    public var rssi: Int?

    public init(customer: CustomerID, scheme: Scheme, time: Date, till: TillID? = nil, rssi: Int? = nil) {
        self.customer = customer
        self.scheme = scheme
        self.time = time
        self.till = till
        self.rssi = rssi
    }
}
