import struct Foundation.Date

/// RSSI smoothing for one (customer, receiver): a sliding-window percentile.
///
/// Why a percentile rather than a Kalman or 1-Euro filter: BLE RSSI indoors is not Gaussian
/// noise around a moving mean. Multipath fading and a body between phone and receiver cause
/// deep, brief drops of 10–20 dB; the three advertising channels differ by a few dB; and
/// reports arrive irregularly (a phone in a pocket may go quiet for a second). A Kalman filter
/// assumes Gaussian noise and a motion model, and one deep fade drags its estimate; 1-Euro is
/// tuned for regularly sampled pointer input and follows outliers when it speeds up. A
/// percentile over the last few seconds ignores a minority of outliers entirely, needs no
/// sampling rate, has one easy knob (the window, which also bounds the lag), and because fades
/// only pull RSSI down, a percentile above the median estimates the unfaded signal best.
struct RSSIWindow: Sendable {
    /// Bounds memory and sorting cost when a phone advertises very fast.
    static let capacity = 64
    private var samples: [(time: Date, rssi: Int)] = []

    var isEmpty: Bool { samples.isEmpty }

    mutating func add(_ rssi: Int, at time: Date) {
        if samples.count == Self.capacity { samples.removeFirst() }
        samples.append((time, rssi))
    }

    /// Drops samples older than `window` seconds before `now`.
    mutating func prune(now: Date, window: Double) {
        let cutoff = now.addingTimeInterval(-window)
        if let keep = samples.firstIndex(where: { $0.time >= cutoff }) {
            if keep > 0 { samples.removeFirst(keep) }
        } else {
            samples.removeAll()
        }
    }

    /// The `p`th percentile (0–100, nearest rank) of the samples; nil when there are none.
    func percentile(_ p: Double) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.map(\.rssi).sorted()
        let rank = Int((min(max(p, 0), 100) / 100 * Double(sorted.count - 1)).rounded())
        return Double(sorted[rank])
    }
}
