import Synchronization

/// The live counters behind `RadioSource.stats`: written by the scan loop, read by metrics.
final class RadioStatsCounter: Sendable {
    private let value = Mutex(RadioStats())

    var snapshot: RadioStats {
        value.withLock { $0 }
    }

    func update(_ change: (inout RadioStats) -> Void) {
        value.withLock { change(&$0) }
    }
}
