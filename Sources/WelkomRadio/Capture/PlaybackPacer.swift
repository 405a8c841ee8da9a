/// When a paced replay (`btsnoop:` transport) plays each record: as long after the replay
/// started as the record is after the capture's first, so a capture plays at its recorded pace.
///
/// A record whose time goes back by more than a second, or jumps ahead of the one before by more
/// than `maximumGapMicroseconds`, would otherwise stop the replay for as long as the damage says —
/// days, years — and then let it end with nothing heard. Such a record is played at once,
/// reported, and pacing goes on from it (the record after a single damaged one is reported
/// too, as it is out of line with it). Pure: the caller says how much wall time has passed.
public struct PlaybackPacer: Sendable {
    /// Longer than any quiet spell of a scanning radio in a shop (the radio's watchdog sets a
    /// controller up again after a minute of silence), far shorter than a damaged timestamp's.
    public static let defaultMaximumGapMicroseconds: Int64 = 300_000_000
    /// A step back this small is how phones' capture logs stamp the two directions from two
    /// threads: played at once (it is already due) and not reported.
    public static let toleratedBackStepMicroseconds: Int64 = 1_000_000

    public enum Decision: Sendable, Equatable {
        /// Play once this much wall time has passed since the replay started (at once if it has).
        case playAt(elapsedMicroseconds: Int64)
        /// Out of line with the record before: play now.
        case playNow(CaptureTimeProblem)
    }

    public let maximumGapMicroseconds: Int64
    private var previous: (timestamp: Int64, record: Int)?
    /// The capture time that is played at `elapsed` wall microseconds.
    private var anchor: (timestamp: Int64, elapsed: Int64)?

    public init(maximumGapMicroseconds: Int64 = PlaybackPacer.defaultMaximumGapMicroseconds) {
        self.maximumGapMicroseconds = maximumGapMicroseconds
    }

    /// `record` is the record's number in the file; `elapsedMicroseconds` the wall time since
    /// the replay started.
    public mutating func decide(timestamp: Int64, record: Int, elapsedMicroseconds: Int64) -> Decision {
        defer { previous = (timestamp, record) }
        guard let previous, let anchor else {
            anchor = (timestamp, elapsedMicroseconds)
            return .playAt(elapsedMicroseconds: elapsedMicroseconds)
        }
        // Damaged timestamps can be anything: a difference that overflows is a jump too.
        let (delta, overflow) = timestamp.subtractingReportingOverflow(previous.timestamp)
        if overflow || delta < -Self.toleratedBackStepMicroseconds || delta > maximumGapMicroseconds {
            self.anchor = (timestamp, elapsedMicroseconds)
            let shown = overflow ? (timestamp < previous.timestamp ? Int64.min : Int64.max) : delta
            return .playNow(CaptureTimeProblem(record: record, previousRecord: previous.record, deltaMicroseconds: shown))
        }
        // Within bounds of the record before, so within reach of the anchor: no overflow here
        // unless the sum of many allowed gaps passes 292,000 years.
        return .playAt(elapsedMicroseconds: anchor.elapsed &+ (timestamp &- anchor.timestamp))
    }
}

extension PlaybackPacer {
    /// Waits until the record with this time is due (the replay having started at `start`), or
    /// not at all when it is out of line; returns the problem then.
    public mutating func pace(timestamp: Int64, record: Int, since start: ContinuousClock.Instant) async throws -> CaptureTimeProblem? {
        let clock = ContinuousClock()
        let elapsed = (clock.now - start).components
        switch decide(timestamp: timestamp, record: record,
                      elapsedMicroseconds: elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000) {
        case .playAt(let due):
            let at = start.advanced(by: .microseconds(due))
            if at > clock.now { try await clock.sleep(until: at) }
            return nil
        case .playNow(let problem):
            return problem
        }
    }
}
