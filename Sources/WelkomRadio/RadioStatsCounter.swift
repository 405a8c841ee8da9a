import Foundation

/// The live counters behind `RadioSource.stats`: written by the scan loop, read by metrics.
final class RadioStatsCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = RadioStats()

    var snapshot: RadioStats {
        lock.lock(); defer { lock.unlock() }
        return value
    }

    func update(_ change: (inout RadioStats) -> Void) {
        lock.lock(); defer { lock.unlock() }
        change(&value)
    }
}
