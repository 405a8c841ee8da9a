/// A record of a paced replay whose time is out of line with the record before it: earlier
/// (the clock went back, or the timestamp is damaged) or later by more than the pacer's bound.
/// It was played without waiting. Record numbers count from 1 over the whole file, as
/// Wireshark numbers frames, so `tshark -r FILE` finds it.
public struct CaptureTimeProblem: Sendable, Equatable, CustomStringConvertible {
    public var record: Int
    public var previousRecord: Int
    /// This record's time minus the previous one's; negative when it went back.
    public var deltaMicroseconds: Int64

    public init(record: Int, previousRecord: Int, deltaMicroseconds: Int64) {
        self.record = record
        self.previousRecord = previousRecord
        self.deltaMicroseconds = deltaMicroseconds
    }

    public var wentBack: Bool { deltaMicroseconds < 0 }

    public var description: String {
        let span = Self.span(deltaMicroseconds.magnitude)
        return wentBack
            ? "record \(record): its time is \(span) before record \(previousRecord)'s (a clock set back, or a damaged timestamp); played without waiting"
            : "record \(record): its time is \(span) after record \(previousRecord)'s (a damaged timestamp, or a gap in the capture); played without waiting"
    }

    /// A length of time as a person says it: the largest unit that gives at least 2 of it.
    static func span(_ microseconds: UInt64) -> String {
        let seconds = Double(microseconds) / 1_000_000
        let units: [(String, Double)] = [("years", 365.25 * 86_400), ("days", 86_400), ("hours", 3600), ("minutes", 60)]
        for (name, size) in units where seconds >= 2 * size {
            return "\(Int((seconds / size).rounded())) \(name)"
        }
        return seconds >= 1 ? "\(Int(seconds.rounded())) s" : "\(Int((seconds * 1000).rounded())) ms"
    }
}
