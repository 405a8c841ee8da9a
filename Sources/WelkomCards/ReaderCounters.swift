import Foundation

/// The live counters behind `ReaderStats`, shared between a reader's I/O thread and whoever
/// asks for a snapshot. A lock rather than `Synchronization.Mutex`, which needs macOS 15 while
/// the package declares macOS 14.
final class ReaderCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var stats = ReaderStats()

    func update(_ change: (inout ReaderStats) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(&stats)
    }

    var snapshot: ReaderStats {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }
}
