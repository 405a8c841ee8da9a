import Foundation
import WelkomCore

/// Runs a btsnoop capture through the same decoding as the live radio: `welkom replay`
/// (`paced: false`, as fast as it reads) and the `btsnoop:` transport of `welkom run`
/// (`paced: true`, at the recorded pace). Either way a sighting's time is its record's
/// timestamp. Only controller → host events count; commands and data are skipped.
public enum CaptureReplay {
    /// Every sighting in the capture, without pacing, plus counts.
    public static func sightings(inCapture path: String, index: UInt16? = nil) throws(BtsnoopError) -> CaptureReplayResult {
        let reader = try BtsnoopReader(path: path, index: index)
        var extractor = SightingExtractor()
        var sightings: [Sighting] = []
        var records = 0
        while let record = try reader.next() {
            records += 1
            sightings += process(record, reader: reader, extractor: &extractor)
        }
        return CaptureReplayResult(sightings: sightings, stats: extractor.stats, records: records,
                                   endedInPartialRecord: reader.endedInPartialRecord,
                                   partialRecordNumber: reader.endedInPartialRecord ? reader.recordsInFile + 1 : nil)
    }

    /// Streams the capture's sightings to `onSighting`, paced or not. `onStats` sees the running
    /// counts after every record (RadioSource publishes them). Paced, a record whose time is out
    /// of line (PlaybackPacer) is played at once and told to `onProblem`. Returns when the capture
    /// ends; throws CancellationError if the task is cancelled while paced.
    public static func replay(capture path: String, index: UInt16? = nil, paced: Bool,
                              pacer: PlaybackPacer = PlaybackPacer(),
                              onStats: (RadioStats) -> Void = { _ in },
                              onProblem: (CaptureTimeProblem) -> Void = { _ in },
                              onSighting: (Sighting) async throws -> Void) async throws -> CaptureReplayResult {
        let reader = try BtsnoopReader(path: path, index: index)
        var pacer = pacer
        var problems: [CaptureTimeProblem] = []
        var extractor = SightingExtractor()
        var records = 0
        let wallStart = ContinuousClock.now
        while let record = try reader.next() {
            records += 1
            // Paced from the capture's first record, whichever direction, as it was recorded.
            if paced, let problem = try await pacer.pace(timestamp: record.timestampMicroseconds, record: reader.recordNumber,
                                                         since: wallStart) {
                problems.append(problem)
                onProblem(problem)
            }
            guard record.isControllerToHost else { continue }
            for sighting in process(record, reader: reader, extractor: &extractor) {
                try await onSighting(sighting)
            }
            onStats(extractor.stats)
        }
        return CaptureReplayResult(sightings: [], stats: extractor.stats, records: records,
                                   endedInPartialRecord: reader.endedInPartialRecord,
                                   partialRecordNumber: reader.endedInPartialRecord ? reader.recordsInFile + 1 : nil,
                                   timeProblems: problems)
    }

    static func process(_ record: BtsnoopRecord, reader: BtsnoopReader, extractor: inout SightingExtractor) -> [Sighting] {
        guard record.isControllerToHost else { return [] }
        guard !record.isTruncated else { extractor.stats.malformedReports += 1; return [] }
        let packet: H4Packet
        do {
            packet = try H4Decoder.decodeWhole(reader.packetData(of: record))
        } catch {
            extractor.stats.framingErrors += 1
            return []
        }
        guard packet.type == .event else { return [] }
        return (try? extractor.sightings(in: packet, at: record.date)) ?? []
    }
}
