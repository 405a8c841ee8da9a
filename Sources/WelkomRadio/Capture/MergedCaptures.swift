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
        public init(path: String, receiver: String) {
            self.path = path
            self.receiver = receiver
        }
    }

    public let captures: [Capture]
    public let totals = Totals()

    /// Opens each capture once to check its header, so a file that is no capture is refused
    /// before anything is replayed.
    public init(_ captures: [Capture]) throws(BtsnoopError) {
        for capture in captures { _ = try BtsnoopReader(path: capture.path) }
        self.captures = captures
    }

    public func makeAsyncIterator() -> Iterator { Iterator(captures: captures, totals: totals) }

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
    private var pending: [Sighting] = []
    private var index = 0

    init(_ capture: MergedCaptures.Capture) throws {
        reader = try BtsnoopReader(path: capture.path)
        receiver = capture.receiver
    }

    func next() throws -> Sighting? {
        while index >= pending.count {
            guard let record = try reader.next() else { return nil }
            records += 1
            pending = CaptureReplay.process(record, reader: reader, extractor: &extractor)
            index = 0
        }
        var sighting = pending[index]
        index += 1
        sighting.receiver = receiver
        return sighting
    }
}
