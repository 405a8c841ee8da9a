import struct Foundation.Date
import WelkomCore

/// Which till's zone each recognised customer stands in, from the RSSI their recognised
/// sightings arrive with. Pure: no I/O, no clock but the sightings' own times.
///
/// Per (customer, receiver) an `RSSIWindow` smooths the signal. A zone is *wanted* when its
/// receiver's smoothed RSSI lies inside its range by `enterMarginDB` (the current zone needs only
/// to stay within `leaveMarginDB` outside it); among several, the strongest wins, and it takes
/// over from a current zone that still holds only when `enterMarginDB` stronger. What is wanted
/// becomes current only after `dwellSeconds` of wanting it without a break — so a customer walking
/// past till 1 on the way to till 2, or standing where the signal wobbles, does not flicker.
///
/// Only customers the recogniser already matched are tracked (the agent feeds recognitions, never
/// strangers' sightings), and a customer not heard for a window's length is forgotten by `sweep`.
public struct ZoneTracker: Sendable {
    public private(set) var zones: [Zone]
    public private(set) var tuning: ZoneTuning
    private var customers: [CustomerID: CustomerState] = [:]

    /// The receiver name used for sightings that carry none (a capture, the demo).
    public static let unnamedReceiver = ""

    public init(zones: [Zone], tuning: ZoneTuning = ZoneTuning()) {
        self.zones = zones
        self.tuning = tuning
    }

    /// How many customers are tracked right now (for tests and a gauge).
    public var trackedCount: Int { customers.count }

    /// Feeds one recognised sighting; returns the till whose zone the customer is in now, or nil
    /// while they are in none (not yet, or no longer).
    public mutating func observe(customer: CustomerID, receiver: String?, rssi: Int?, at time: Date) -> TillID? {
        var state = customers[customer] ?? CustomerState(lastHeard: time)
        defer { customers[customer] = state }
        state.lastHeard = max(state.lastHeard, time)
        guard let rssi else { return state.current.map { zones[$0].till } }  // no signal level: nothing to judge
        state.windows[receiver ?? Self.unnamedReceiver, default: RSSIWindow()].add(rssi, at: time)
        for key in Array(state.windows.keys) {
            state.windows[key]?.prune(now: time, window: tuning.windowSeconds)
            if state.windows[key]?.isEmpty == true { state.windows[key] = nil }
        }
        let wanted = wantedZone(state)
        if wanted == state.current {
            state.candidate = nil
        } else if let candidate = state.candidate, candidate.zone == wanted {
            if time.timeIntervalSince(candidate.since) >= tuning.dwellSeconds {
                state.current = wanted
                state.candidate = nil
            }
        } else {
            state.candidate = (wanted, time)
        }
        return state.current.map { zones[$0].till }
    }

    /// The till of the customer's current zone, without feeding anything.
    public func till(of customer: CustomerID) -> TillID? {
        customers[customer]?.current.map { zones[$0].till }
    }

    /// New zones and tuning (a reloaded config), keeping what is known of each customer: their
    /// RSSI windows always, and their current zone (or the one they are dwelling towards) where
    /// that zone is still configured the same; a customer whose zone changed or went starts over
    /// from their samples, as on arrival.
    public mutating func reconfigure(zones newZones: [Zone], tuning newTuning: ZoneTuning) {
        let remap: [Int: Int] = Dictionary(uniqueKeysWithValues: zones.indices.compactMap { old in
            newZones.firstIndex(of: zones[old]).map { (old, $0) }
        })
        for id in Array(customers.keys) {
            guard var state = customers[id] else { continue }
            state.current = state.current.flatMap { remap[$0] }
            if let candidate = state.candidate {
                switch candidate.zone {
                case nil: state.candidate = (nil, candidate.since)
                case let zone?: state.candidate = remap[zone].map { ($0, candidate.since) }
                }
            }
            customers[id] = state
        }
        zones = newZones
        tuning = newTuning
    }

    /// Drops a customer (consent withdrawn).
    public mutating func forget(customer: CustomerID) {
        customers[customer] = nil
    }

    /// Drops customers not heard for longer than the window: they left (memory stays bounded).
    public mutating func sweep(now: Date) {
        let cutoff = now.addingTimeInterval(-max(tuning.windowSeconds, tuning.dwellSeconds) * 2)
        customers = customers.filter { $0.value.lastHeard >= cutoff }
    }

    /// The zone the signal asks for now: see the type's documentation.
    private func wantedZone(_ state: CustomerState) -> Int? {
        var smoothed: [String: Double] = [:]
        for (receiver, window) in state.windows {
            if let value = window.percentile(tuning.percentile) { smoothed[receiver] = value }
        }
        /// The strongest smoothed RSSI among the zone's receivers that lies within its range ± margin.
        func score(_ index: Int, margin: Double) -> Double? {
            let zone = zones[index]
            return smoothed.filter { zone.hears($0.key) && zone.contains($0.value, margin: margin) }.values.max()
        }
        let currentScore = state.current.flatMap { score($0, margin: -tuning.leaveMarginDB) }
        var best: (index: Int, score: Double)?
        for index in zones.indices where index != state.current {
            guard let s = score(index, margin: tuning.enterMarginDB) else { continue }
            if s > best?.score ?? -.infinity { best = (index, s) }
        }
        if let current = state.current, let held = currentScore {
            guard let best, best.score >= held + tuning.enterMarginDB else { return current }
            return best.index
        }
        return best?.index
    }
}

/// One customer's filters and zone state.
struct CustomerState: Sendable {
    var windows: [String: RSSIWindow] = [:]
    var current: Int?
    var candidate: (zone: Int?, since: Date)?
    var lastHeard: Date

    init(lastHeard: Date) { self.lastHeard = lastHeard }
}
