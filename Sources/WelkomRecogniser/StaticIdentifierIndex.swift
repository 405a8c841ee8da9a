import WelkomCore

/// Static identifiers (iBeacon, AltBeacon, fixed device addresses) → slot. Invariant 7: unless
/// the settings allow them they are not even loaded, so nothing can match.
struct StaticIdentifierIndex: SchemeIndex {
    static var scheme: Scheme { .staticIdentifier }

    private let allowed: Bool
    private var statics: [StaticIdentifier: UInt32] = [:]
    private var bySlot: [UInt32: [StaticIdentifier]] = [:]

    init(allowed: Bool) { self.allowed = allowed }

    var memoryBytes: Int { MemoryFootprint.of(statics) + MemoryFootprint.of(bySlot) }

    mutating func add(_ consent: ConsentKeys, slot: UInt32) {
        guard allowed, !consent.staticIdentifiers.isEmpty else { return }
        for s in consent.staticIdentifiers { statics[s] = slot }
        bySlot[slot] = consent.staticIdentifiers
    }

    mutating func remove(slot: UInt32) {
        for s in bySlot.removeValue(forKey: slot) ?? [] where statics[s] == slot { statics[s] = nil }
    }

    /// The frame's static identifier, else the sender's address when it is a fixed one (public or
    /// static random; a resolvable or non-resolvable private address is never static).
    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32? {
        guard !statics.isEmpty else { return nil }
        if case let .staticIdentifier(id) = sighting.evidence, let slot = statics[id] { return slot }
        guard let address = sighting.address, !address.isResolvablePrivate,
              !address.isRandom || address.isStaticRandom else { return nil }
        return statics[.address(address.value)]
    }
}
