import WelkomCore

/// Where a customer counts as "at till N": heard by a given receiver (or any), with a smoothed
/// RSSI inside a range. A zone with a receiver and the full range means "whoever this receiver
/// hears"; a zone with only a range suits one receiver placed so that distance tells the tills apart.
public struct Zone: Sendable, Equatable {
    public var till: TillID
    /// The receiver's name (`[radio] name` or a `[[radio.receiver]]`); nil matches any receiver.
    public var receiver: String?
    /// Inclusive smoothed-RSSI bounds in dBm.
    public var rssiMin: Int
    public var rssiMax: Int

    public init(till: TillID, receiver: String? = nil, rssiMin: Int = -127, rssiMax: Int = 20) {
        self.till = till
        self.receiver = receiver
        self.rssiMin = rssiMin
        self.rssiMax = rssiMax
    }

    func hears(_ receiver: String) -> Bool { self.receiver == nil || self.receiver == receiver }

    /// Whether `rssi` lies within the range narrowed (margin > 0) or widened (margin < 0) on both sides.
    func contains(_ rssi: Double, margin: Double) -> Bool {
        rssi >= Double(rssiMin) + margin && rssi <= Double(rssiMax) - margin
    }
}
