import Foundation

/// The rate limit on pairing codes: at most `limit` wrong codes in any `window` from one client
/// address. A limited address gets 429 before its code is looked at, so it cannot go on guessing;
/// every other address, and so the display with the valid code, is not affected. (A global limit
/// let one client send a wrong code every few seconds and lock every display out for good.)
///
/// IPv6 clients are counted by /64, the block one host can pick addresses from. The table is
/// bounded: beyond `maxClients` the client whose last failure is oldest is forgotten.
/// An 8-digit code valid for 5 minutes against 10⁸ codes: even 250 addresses (a whole /24)
/// at 5 guesses a minute each find one with a chance of about 6 in 100,000.
struct PairingAttempts: Sendable {
    var limit = 5
    var window: TimeInterval = 60
    var maxClients = 4096
    private var failures: [String: [Date]] = [:]

    init(limit: Int = 5, window: TimeInterval = 60, maxClients: Int = 4096) {
        self.limit = limit
        self.window = window
        self.maxClients = maxClients
    }

    /// Whether `client` may try another code now; if not, how long until it may.
    mutating func check(client: String, now: Date) -> TimeInterval? {
        let key = Self.key(client)
        guard var list = failures[key] else { return nil }
        list.removeAll { now.timeIntervalSince($0) >= window }
        failures[key] = list.isEmpty ? nil : list
        guard list.count >= limit, let oldest = list.first else { return nil }
        return max(1, window - now.timeIntervalSince(oldest))
    }

    mutating func recordFailure(client: String, now: Date) {
        let key = Self.key(client)
        failures[key, default: []].append(now)
        if failures[key]!.count > limit { failures[key]!.removeFirst(failures[key]!.count - limit) }
        if failures.count > maxClients {
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            while failures.count > maxClients, let stalest = failures.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) })?.key {
                failures[stalest] = nil
            }
        }
    }

    /// How many clients are remembered (for tests).
    var clientCount: Int { failures.count }

    /// The counting key of an address: IPv4 as it is, IPv6 by its first four groups (/64).
    static func key(_ client: String) -> String {
        guard client.contains(":") else { return client }
        var text = client.lowercased()
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        // Expand "::" so the first four groups are the real ones.
        let halves = text.components(separatedBy: "::")
        let head = halves[0].split(separator: ":", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        let tail = halves.count > 1 ? halves[1].split(separator: ":").map(String.init) : []
        let missing = max(0, 8 - head.count - tail.count)
        let groups = head + Array(repeating: "0", count: halves.count > 1 ? missing : 0) + tail
        if groups.count >= 8, groups[0] == "0", groups[1] == "0", groups[2] == "0", groups[3] == "0", groups[4] == "0",
           groups[5] == "ffff" || groups[5] == "0" {
            return text   // IPv4-mapped or loopback: one host
        }
        return groups.prefix(4).map { String(Int($0, radix: 16) ?? 0, radix: 16) }.joined(separator: ":") + "::/64"
    }
}
