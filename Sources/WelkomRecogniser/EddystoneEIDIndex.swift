import WelkomCore
import WelkomIdentifiers

/// Eddystone-EID beacons: the EIDs of each beacon's previous, current and next rotation period →
/// slot (a beacon's clock may be a period off). A beacon's EIDs are recomputed only when the
/// sightings' clock leaves its current period, and only that beacon's.
struct EddystoneEIDIndex: SchemeIndex {
    static var scheme: Scheme { .eid }

    private struct Beacon: Sendable {
        var registration: EIDRegistration
        var eids: [UInt64] = []
        /// The seconds during which `eids` are right: the current period.
        var fromSeconds: Int64 = .max
        var untilSeconds: Int64 = .min
    }

    private var beacons: [UInt32: Beacon] = [:]
    private var eids: [UInt64: UInt32] = [:]
    /// Every beacon's set is right for seconds in [validFrom, validUntil).
    private var validFrom: Int64 = .max
    private var validUntil: Int64 = .min

    var memoryBytes: Int {
        // Each beacon's three EIDs live in an array of their own: its header and storage.
        MemoryFootprint.of(eids) + beacons.count * (MemoryLayout<Beacon>.stride + 24 + 32)
    }

    mutating func add(_ consent: ConsentKeys, slot: UInt32) {
        guard let e = consent.eid else { return }
        beacons[slot] = Beacon(registration: e)
        // Computed at the next EID sighting, for that sighting's time.
        validFrom = .max
        validUntil = .min
    }

    mutating func remove(slot: UInt32) {
        guard let b = beacons.removeValue(forKey: slot) else { return }
        for e in b.eids where eids[e] == slot { eids[e] = nil }
    }

    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32? {
        guard case let .eid(eid) = sighting.evidence, !beacons.isEmpty else { return nil }
        let seconds = nowMs >= 0 ? nowMs / 1000 : (nowMs - 999) / 1000
        if seconds < validFrom || seconds >= validUntil { refresh(seconds: seconds) }
        return eids[eid]
    }

    /// Recomputes the EIDs of every beacon whose current period is not the one `seconds` falls in.
    private mutating func refresh(seconds: Int64) {
        var from = Int64.min, until = Int64.max
        for slot in Array(beacons.keys) {
            guard var b = beacons[slot] else { continue }
            if seconds < b.fromSeconds || seconds >= b.untilSeconds {
                for e in b.eids where eids[e] == slot { eids[e] = nil }
                b.eids = []
                let r = b.registration
                let k = Int64(min(r.exponent, EddystoneEID.maximumExponent))
                let counter = seconds &- r.epoch
                if counter < 0 {
                    b.fromSeconds = .min
                    b.untilSeconds = r.epoch
                } else if counter > Int64(UInt32.max) {
                    b.fromSeconds = r.epoch + Int64(UInt32.max) + 1
                    b.untilSeconds = .max
                } else {
                    let period = counter >> k
                    b.fromSeconds = r.epoch + (period << k)
                    b.untilSeconds = r.epoch + ((period + 1) << k)
                    for p in [period - 1, period, period + 1] {
                        guard p >= 0, let c = UInt32(exactly: p << k) else { continue }
                        let e = EddystoneEID.eid(identityKey: r.identityKey, exponent: r.exponent, counter: c)
                        eids[e] = slot
                        b.eids.append(e)
                    }
                }
                beacons[slot] = b
            }
            from = max(from, b.fromSeconds)
            until = min(until, b.untilSeconds)
        }
        validFrom = from
        validUntil = until
    }
}
