/// A stretch of the local day without prompts, such as 22:00–07:00 (it may wrap past midnight).
/// The start minute is inside, the end minute is not.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight, 0…1439.
    public var start: Int
    public var end: Int

    /// Nil unless both are minutes of a day and differ (equal bounds would mean "never" or
    /// "always", and which one is not obvious to a reader of the config).
    public init?(start: Int, end: Int) {
        guard (0..<1440).contains(start), (0..<1440).contains(end), start != end else { return nil }
        self.start = start
        self.end = end
    }

    public func contains(minuteOfDay m: Int) -> Bool {
        start < end ? (start <= m && m < end) : (m >= start || m < end)
    }
}
