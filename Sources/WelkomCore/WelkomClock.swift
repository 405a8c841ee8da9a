import struct Foundation.Date

/// Where "now" comes from: the wall clock in `run`, the capture's timestamps in `replay`,
/// a hand-set clock in tests. Stages take times from sightings or from a clock, never from
/// `Date()` directly, so a replay behaves as the live run did.
public protocol WelkomClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WelkomClock {
    public init() {}
    public func now() -> Date { Date() }
}
