import Synchronization
import struct Foundation.Date
import WelkomCore

/// Several btsnoop captures (one per receiver, as `radio.record` writes them) as one sequence of
/// sightings in time order, ties in capture order — read record by record as the consumer asks,
/// so a replay's memory stays flat however long the captures are. Each sighting carries its
/// capture's receiver name. The counts are in `totals` once the sequence has ended.
public struct MergedCaptures: AsyncSequence, Sendable {
    public typealias Element = Sighting

    public struct Capture: Sendable {
        public var path: String
        public var receiver: String
        /// The controller to read from a monitor capture of several (`BtsnoopReader`).
        public var index: UInt16?
        public init(path: String, receiver: String, index: UInt16? = nil) {
            self.path = path
            self.receiver = receiver
            self.index = index
        }
    }

    public let captures: [Capture]
    public let totals = Totals()

    /// Opens each capture once to check its header, so a file that is no capture is refused
    /// before anything is replayed.
    public init(_ captures: [Capture]) throws(BtsnoopError) {
        for capture in captures { _ = try BtsnoopReader(path: capture.path, index: capture.index) }
        self.captures = captures
    }

    public func makeAsyncIterator() -> Iterator { Iterator(captures: captures, totals: totals) }

    /// The same sightings in batches of up to `batchSize` (the last one shorter): a replay hands
    /// millions of sightings on, and an async step per batch instead of per sighting is most of
    /// the difference. `totals` are set once the batches have ended, as for the sightings.
    public func batches(of batchSize: Int = 4096) -> Batches {
        Batches(captures: captures, totals: totals, batchSize: batchSize)
    }

    public struct Batches: AsyncSequence, Sendable {
        public typealias Element = [Sighting]
        let captures: [Capture]
        let totals: Totals
        let batchSize: Int

        public func makeAsyncIterator() -> BatchIterator {
            BatchIterator(inner: Iterator(captures: captures, totals: totals), batchSize: batchSize)
        }
    }

    public struct BatchIterator: AsyncIteratorProtocol {
        var inner: Iterator
        let batchSize: Int

        public mutating func next() async throws -> [Sighting]? { try inner.nextBatch(batchSize) }

        /// Runs in the caller's isolation (the pipeline's actor): no executor hop per batch.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [Sighting]? {
            try inner.nextBatch(batchSize)
        }
    }

    /// The time of the first sighting (the clock a replay's tables are loaded at), read by a
    /// separate pass over the first records only.
    public func firstSightingTime() throws -> Date? {
        var probe = Iterator(captures: captures, totals: Totals())
        return try probe.advance()?.time
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let captures: [Capture]
        private let totals: Totals
        private var open: [OneCapture]?
        private var heads: [Sighting?] = []

        init(captures: [Capture], totals: Totals) {
            self.captures = captures
            self.totals = totals
        }

        public mutating func next() async throws -> Sighting? { try advance() }

        /// Runs in the caller's isolation (the pipeline's actor): no executor hop per sighting.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Sighting? { try advance() }

        mutating func advance() throws -> Sighting? {
            if open == nil {
                let opened = try captures.map { try OneCapture($0) }
                heads = try opened.map { try $0.next() }
                open = opened
                finishIfDone(opened)
            }
            guard let open else { return nil }
            var best: Int?
            for (i, head) in heads.enumerated() {
                guard let head else { continue }
                if let b = best, let current = heads[b], current.time <= head.time { continue }
                best = i
            }
            guard let best, let sighting = heads[best] else { return nil }
            heads[best] = try open[best].next()
            if heads[best] == nil { finishIfDone(open) }
            return sighting
        }

        /// Up to `limit` sightings in time order; nil once every capture has ended. One capture
        /// (the usual replay) is read straight into the batch, with no merge step per sighting.
        mutating func nextBatch(_ limit: Int) throws -> [Sighting]? {
            guard captures.count == 1 else {
                var batch: [Sighting] = []
                while batch.count < limit, let sighting = try advance() { batch.append(sighting) }
                return batch.isEmpty ? nil : batch
            }
            if open == nil {
                let one = try OneCapture(captures[0])
                open = [one]
                heads = [nil]
            }
            guard let one = open?.first else { return nil }
            var batch: [Sighting] = []
            batch.reserveCapacity(limit)
            let ended = try one.read(into: &batch, limit: limit)
            if ended && batch.isEmpty {
                if !one.finished { one.finished = true; totals.record([one]) }
                return nil
            }
            return batch
        }

        private func finishIfDone(_ open: [OneCapture]) {
            guard heads.allSatisfy({ $0 == nil }) else { return }
            totals.record(open)
        }
    }

    /// What the captures held, in aggregate: records, reports by kind, errors, how each ended.
    public final class Totals: Sendable {
        public struct Counts: Sendable {
            public var records = 0
            public var stats = RadioStats()
            /// Captures that end inside a record (a recorder killed mid-write); that record was ignored.
            public var endedInPartialRecord: [String] = []
        }
        private let counts = Mutex(Counts())

        public var value: Counts { counts.withLock { $0 } }

        fileprivate func record(_ captures: [OneCapture]) {
            counts.withLock { c in
                for capture in captures {
                    c.records += capture.records
                    c.stats = c.stats + capture.extractor.stats
                    if capture.reader.endedInPartialRecord { c.endedInPartialRecord.append(capture.reader.path) }
                }
            }
        }
    }
}

/// One capture read a record at a time; a record may hold several reports.
private final class OneCapture {
    let reader: BtsnoopReader
    let receiver: String
    var extractor = SightingExtractor()
    var records = 0
    /// The batch path has recorded this capture's totals.
    var finished = false
    private var pending: [Sighting] = []
    private var index = 0

    init(_ capture: MergedCaptures.Capture) throws {
        reader = try BtsnoopReader(path: capture.path, index: capture.index)
        receiver = capture.receiver
    }

    func next() throws -> Sighting? {
        while index >= pending.count {
            pending.removeAll(keepingCapacity: true)
            index = 0
            var extractor = self.extractor
            defer { self.extractor = extractor }
            let reader = self.reader
            guard try reader.withNextRecord({ CaptureReplay.append($0, reader: reader, extractor: &extractor, into: &pending) }) != nil
            else { return nil }
            records += 1
        }
        var sighting = pending[index]
        index += 1
        sighting.receiver = receiver
        return sighting
    }

    /// Appends whole records' sightings to `batch` until it holds at least `limit` or the capture
    /// ends (returns true then). Not mixed with `next()`: a capture is read one way or the other.
    func read(into batch: inout [Sighting], limit: Int) throws -> Bool {
        var extractor = self.extractor
        var records = self.records
        defer {
            self.extractor = extractor
            self.records = records
        }
        let reader = self.reader, receiver = self.receiver
        var ended = false
        while batch.count < limit {
            guard try reader.withNextRecord({
                CaptureReplay.append($0, reader: reader, extractor: &extractor, receiver: receiver, into: &batch)
            }) != nil
            else { ended = true; break }
            records += 1
        }
        return ended
    }
}
