import Synchronization

/// The live counters behind `ReaderStats`, shared between a reader's I/O thread and whoever
/// asks for a snapshot.
final class ReaderCounters: Sendable {
    private let stats = Mutex(ReaderStats())

    func update(_ change: (inout ReaderStats) -> Void) {
        stats.withLock { change(&$0) }
    }

    var snapshot: ReaderStats {
        stats.withLock { $0 }
    }
}
