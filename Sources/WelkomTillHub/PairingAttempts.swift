import Foundation

/// The rate limit on pairing codes: at most `limit` wrong codes in any `window`, across all
/// clients. An 8-digit code valid for 5 minutes then withstands guessing (≈25 guesses at most
/// against 10⁸ codes). Global rather than per address: addresses on a shop LAN are cheap to vary.
struct PairingAttempts: Sendable {
    var limit = 5
    var window: TimeInterval = 60
    private var failures: [Date] = []

    init(limit: Int = 5, window: TimeInterval = 60) {
        self.limit = limit
        self.window = window
    }

    /// Whether another attempt may be tried now; if not, how long until one may.
    mutating func check(now: Date) -> TimeInterval? {
        failures.removeAll { now.timeIntervalSince($0) >= window }
        guard failures.count >= limit, let oldest = failures.first else { return nil }
        return max(1, window - now.timeIntervalSince(oldest))
    }

    mutating func recordFailure(now: Date) {
        failures.append(now)
    }
}
