import WelkomCore

/// What a capture held: its sightings in order, the aggregate counts, and how it ended.
public struct CaptureReplayResult: Sendable {
    public var sightings: [Sighting]
    public var stats: RadioStats
    /// All records in the file, both directions.
    public var records: Int
    /// The file ended inside a record (a recorder killed mid-write); that record was ignored.
    public var endedInPartialRecord: Bool
    /// That partial record's number in the file (from 1, as Wireshark numbers frames).
    public var partialRecordNumber: Int? = nil
    /// Of a paced replay: records played without waiting because their time was out of line.
    public var timeProblems: [CaptureTimeProblem] = []
}
