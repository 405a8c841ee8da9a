import WelkomCore
import WelkomIdentifiers

/// Resolvable private addresses: the enrolled IRKs' key schedules, expanded once and tried eight
/// at a time by the C core, with answers cached per address (RPACache) so that a phone advertising
/// ten times a second costs one set of trials per address. Not constant time: one batched AES
/// trial per enrolled IRK on a cache miss.
///
/// An address that resolves to two customers resolves to nobody. Whether a match alone is a
/// recognition is the recogniser's call (RPAConfirmations).
struct RPAIndex: SchemeIndex {
    static var scheme: Scheme { .rpa }

    private let aes: FastAES.Implementation
    /// `owners.count` schedules of `FastAES.scheduleBytes` each, in the order of `owners`.
    private var schedules: [UInt8] = []
    private var owners: [UInt32] = []
    private var indexBySlot: [UInt32: Int] = [:]
    private var cache = RPACache()
    /// Bumped whenever the set of IRKs changes: a cached candidate from before is not trusted.
    private var generation: UInt32 = 0

    init(aes: FastAES.Implementation) { self.aes = aes }

    /// Enrolled IRKs (active consents only).
    var count: Int { owners.count }
    var isEmpty: Bool { owners.isEmpty }

    var memoryBytes: Int {
        MemoryFootprint.of(schedules) + MemoryFootprint.of(owners) + MemoryFootprint.of(indexBySlot) + cache.memoryBytes
    }

    mutating func add(_ consent: ConsentKeys, slot: UInt32) {
        guard let irk = consent.irk else { return }
        indexBySlot[slot] = owners.count
        owners.append(slot)
        schedules.append(contentsOf: FastAES.schedule(irk, implementation: aes))
        changed()
    }

    mutating func remove(slot: UInt32) {
        guard let index = indexBySlot.removeValue(forKey: slot) else { return }
        // Swap-remove: the last IRK's schedule moves into the hole.
        let last = owners.count - 1
        if index != last {
            let s = FastAES.scheduleBytes
            for b in 0..<s { schedules[index * s + b] = schedules[last * s + b] }
            owners[index] = owners[last]
            indexBySlot[owners[index]] = index
        }
        owners.removeLast()
        schedules.removeLast(FastAES.scheduleBytes)
        changed()
    }

    /// The set of IRKs changed: a cached negative answer may be wrong now, a positive one stale.
    private mutating func changed() {
        cache.clear()
        generation &+= 1
    }

    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32? {
        guard let address = sighting.address, address.isResolvablePrivate, !owners.isEmpty else { return nil }
        switch cache.lookup(address.value, nowMs: nowMs) {
        case .negative:
            return nil
        case let .candidate(slot, generation):
            // Re-checked with that one IRK: a tag collision in the cache cannot name a stranger.
            if generation == self.generation, let index = indexBySlot[slot], matches(index: index, address: address) {
                return slot
            }
        case .unknown:
            break
        }
        let owner = trialOwner(address)
        if let owner {
            cache.store(address.value, nowMs: nowMs, slot: owner, generation: generation)
        } else {
            cache.store(address.value, nowMs: nowMs)
        }
        return owner
    }

    /// Every IRK tried (batched in C); nil unless exactly one matches: two owners are ambiguous.
    private func trialOwner(_ address: DeviceAddress) -> UInt32? {
        schedules.withUnsafeBufferPointer { s -> UInt32? in
            guard let first = FastAES.findRPA(schedules: s, prand: address.prand, hash: address.hash, implementation: aes)
            else { return nil }
            if FastAES.findRPA(schedules: s, from: first + 1, prand: address.prand, hash: address.hash, implementation: aes) != nil {
                return nil
            }
            return owners[first]
        }
    }

    private func matches(index: Int, address: DeviceAddress) -> Bool {
        schedules.withUnsafeBufferPointer { s in
            let one = UnsafeBufferPointer(rebasing: s[index * FastAES.scheduleBytes..<(index + 1) * FastAES.scheduleBytes])
            return FastAES.findRPA(schedules: one, prand: address.prand, hash: address.hash, implementation: aes) == 0
        }
    }
}
