import WelkomCore
import WelkomIdentifiers
import struct Foundation.Date

/// The matching core: "which opted-in customer, if any, is this sighting?" — with no I/O, in
/// constant time for every scheme but RPAs (one batched AES trial per enrolled IRK, cached).
/// It holds lookup tables built only from active consents, so a stranger's identifier is never
/// stored: it is looked up, misses, and is gone (the RPA cache keeps only keyed hashes, see RPACache).
///
/// Each customer holds one slot of the `SlotTable`; each identifier scheme has an index of its own
/// (`SchemeIndex`: WLK1Index, CardIndex, EddystoneEIDIndex, StaticIdentifierIndex, RPAIndex) from
/// identifier to slot. The schemes are specified in docs/identifiers.md.
/// - Static identifiers are loaded and matched only when `allowStaticIdentifiers` is set (invariant 7).
/// - An RPA match alone counts only while the false-match chance stays under its bound; above
///   it, it needs a confirmation (RPAConfirmations, invariant 8).
///
/// Enrolment and withdrawal change the tables in place (`upsert`, `remove(customer:)`,
/// `reconcile`); a consent that expires drops out at its expiry on its own (checked on every
/// sighting, and an expired slot never matches even in between).
public struct Recogniser: Sendable {
    public private(set) var settings: RecogniserSettings
    private let pepper: [UInt8]

    private var slots = SlotTable()
    // Every index: listed again in `add`, `remove(slot:)`, `recognise` and `tableMemoryBytes`.
    private var wlk1: WLK1Index
    private var cards: CardIndex
    private var eids = EddystoneEIDIndex()
    private var statics: StaticIdentifierIndex
    private var rpas: RPAIndex
    private var confirmations = RPAConfirmations()

    public init(settings: RecogniserSettings, pepper: [UInt8]) {
        self.settings = settings
        self.pepper = pepper
        wlk1 = WLK1Index(aes: FastAES.best, companyID: settings.companyID, skewWindows: settings.skewWindows)
        cards = CardIndex(pepper: pepper)
        statics = StaticIdentifierIndex(allowed: settings.allowStaticIdentifiers)
        rpas = RPAIndex(aes: FastAES.best)
    }

    /// Customers loaded (active consents).
    public var customerCount: Int { slots.count }
    /// The window the WLK1 table is centred on; nil until the first sighting or `roll`.
    public var centreWindow: UInt32? { wlk1.centreWindow }

    // MARK: - The false-match bound (invariant 8)

    /// How many IRKs are enrolled (active consents only).
    public var enrolledIRKCount: Int { rpas.count }
    /// N / 2^24: the chance that a stranger's RPA matches some enrolled IRK.
    public var rpaFalseMatchChance: Double { ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: enrolledIRKCount) }
    /// True while an RPA match alone is not enough (the chance exceeds the configured bound).
    public var rpaMatchNeedsConfirmation: Bool {
        RPAConfirmations.needed(enrolledIRKs: enrolledIRKCount, bound: settings.rpaFalseMatchBound)
    }

    // MARK: - Changing the tables

    /// Replaces the tables with these consents. While recognition is disabled nothing is loaded.
    ///
    /// `tokenKeys`, when given, are the WLK1 token keys of `consents.compactMap(\.beaconKey)` in
    /// order, derived already (while the registry was read); otherwise they are derived here.
    public mutating func load(_ consents: [ConsentKeys], at time: Date, tokenKeys: [Block128]? = nil) {
        let centre = centreWindow ?? WLK1.window(at: time)
        self = Recogniser(settings: settings, pepper: pepper)
        guard settings.enabled else { return }
        slots.reserve(consents.count)
        wlk1.reserve(consents.count)
        // The WLK1 token keys are derived together on other threads (the HKDF is most of a load's
        // work) while this one fills the slots and the other indexes; then every window in one
        // batched pass: far cheaper than per-customer inserts. The fresh WLK1 index has no windows yet.
        let beaconKeys = consents.compactMap(\.beaconKey)
        let given = tokenKeys.flatMap { $0.count == beaconKeys.count ? $0 : nil }
        let derivation = given == nil ? WLK1TokenKeys.Background(beaconKeys) : nil
        var beaconSlots: [UInt32?] = []
        beaconSlots.reserveCapacity(consents.count)
        for c in consents {
            let slot = addExceptWLK1(c, at: time)
            if c.beaconKey != nil { beaconSlots.append(slot) }
        }
        var tokenKeys: [Block128] = [], slotsWithKeys: [UInt32] = []
        tokenKeys.reserveCapacity(beaconSlots.count)
        slotsWithKeys.reserveCapacity(beaconSlots.count)
        // Lapsed consents (no slot) drop out here.
        for (key, slot) in zip(given ?? derivation?.wait() ?? [], beaconSlots) {
            if let slot { tokenKeys.append(key); slotsWithKeys.append(slot) }
        }
        wlk1.add(tokenKeys: tokenKeys, slots: slotsWithKeys)
        slots.collapseHugePages()
        wlk1.collapseHugePages()
        if let centre { roll(to: centre) }
    }

    /// Brings the tables to exactly these consents, touching only customers whose keys changed,
    /// who are new, or who are gone (each of those is passed to `onRemove`). Returns how many
    /// were (re)added and removed.
    @discardableResult
    /// `tokenKeys` as for `load`: used when the tables are empty (a load), ignored otherwise.
    public mutating func reconcile(with consents: [ConsentKeys], at time: Date, tokenKeys: [Block128]? = nil,
                                   onRemove: (CustomerID) -> Void = { _ in }) -> (upserted: Int, removed: Int) {
        guard settings.enabled else { return (0, 0) }
        // Nothing loaded yet (the agent's start): the bulk load, which derives the token keys together.
        if slots.count == 0 {
            load(consents, at: time, tokenKeys: tokenKeys)
            return (slots.count, 0)
        }
        var wanted = Set<CustomerID>(minimumCapacity: consents.count)
        var upserted = 0, removed = 0
        for c in consents {
            wanted.insert(c.customer)
            if let slot = slots.slot(of: c.customer), slots.digest(at: slot) == Self.digest(c) { continue }
            upsert(c, at: time)
            upserted += 1
        }
        for slot in 0..<UInt32(slots.slotCount) where slots.isLive(slot) && !wanted.contains(slots.customer(at: slot)) {
            onRemove(slots.customer(at: slot))
            remove(slot: slot)
            removed += 1
        }
        return (upserted, removed)
    }

    /// Adds or replaces one customer's keys in place: effective for the next sighting.
    public mutating func upsert(_ consent: ConsentKeys, at time: Date) {
        guard settings.enabled else { return }
        if let slot = slots.slot(of: consent.customer) { remove(slot: slot) }
        add(consent, at: time)
    }

    /// Removes a customer (withdrawal): effective for the next sighting. False if not loaded.
    @discardableResult
    public mutating func remove(customer: CustomerID) -> Bool {
        guard let slot = slots.slot(of: customer) else { return false }
        remove(slot: slot)
        return true
    }

    /// Whether the tables hold this customer.
    public func contains(customer: CustomerID) -> Bool { slots.slot(of: customer) != nil }

    /// Every customer the tables hold, in slot order.
    public func forEachCustomer(_ body: (CustomerID) -> Void) {
        for slot in 0..<UInt32(slots.slotCount) where slots.isLive(slot) { body(slots.customer(at: slot)) }
    }

    // MARK: - Recognising

    /// The customer this sighting belongs to, if any. A sighting that matches nothing leaves
    /// nothing behind (the RPA cache holds only a keyed hash of the address, in memory, for at
    /// most an RPA's lifetime).
    public mutating func recognise(_ sighting: Sighting) -> Recognition? {
        guard settings.enabled, let nowMs = Self.milliseconds(sighting.time) else { return nil }
        while let lapsed = slots.popExpired(nowMs: nowMs) { remove(slot: lapsed) }
        // Each index answers only for its own evidence (the statics and RPAs for the address too),
        // so the first answer is the only one; RPAs last, as the costliest.
        let slot: UInt32, scheme: Scheme
        if let s = wlk1.lookup(sighting, nowMs: nowMs) {
            (slot, scheme) = (s, WLK1Index.scheme)
        } else if let s = cards.lookup(sighting, nowMs: nowMs) {
            (slot, scheme) = (s, CardIndex.scheme)
        } else if let s = eids.lookup(sighting, nowMs: nowMs) {
            (slot, scheme) = (s, EddystoneEIDIndex.scheme)
        } else if let s = statics.lookup(sighting, nowMs: nowMs) {
            (slot, scheme) = (s, StaticIdentifierIndex.scheme)
        } else if let s = rpas.lookup(sighting, nowMs: nowMs), rpaMatchCounts(s, sighting, nowMs: nowMs) {
            (slot, scheme) = (s, RPAIndex.scheme)
        } else {
            return nil
        }
        guard slots.isActive(slot, nowMs: nowMs) else { return nil }
        // Checked here, not only inside: even a call that returns at once costs a hit ~15 ns.
        if !rpas.isEmpty, scheme == .wlk1 || scheme == .card {
            confirmations.note(slot, nowMs: nowMs, address: scheme == .card ? nil : sighting.address?.value)
        }
        return Recognition(customer: slots.customer(at: slot), scheme: scheme, time: sighting.time,
                           till: sighting.till, rssi: sighting.rssi, receiver: sighting.receiver)
    }

    /// Invariant 8: under the bound an RPA match is a recognition; above it only with a WLK1 token
    /// from this very address, or a card, of the same customer within an RPA lifetime.
    @inline(__always)
    private func rpaMatchCounts(_ slot: UInt32, _ sighting: Sighting, nowMs: Int64) -> Bool {
        guard rpaMatchNeedsConfirmation else { return true }
        guard let address = sighting.address else { return false }
        return confirmations.confirms(slot, nowMs: nowMs, address: address.value)
    }

    /// Centres the WLK1 table on `window`: sweeps out the windows that fell out of range and
    /// computes only the windows that were not there yet.
    public mutating func roll(to window: UInt32) {
        guard settings.enabled else { return }
        wlk1.roll(to: window)
    }

    // MARK: - Memory

    /// Bytes held by the tables (capacities, not counts), excluding the heap storage of customer
    /// IDs longer than 15 UTF-8 bytes (shorter ones live inline).
    public var tableMemoryBytes: Int {
        slots.memoryBytes + wlk1.memoryBytes + cards.memoryBytes + eids.memoryBytes + statics.memoryBytes
            + rpas.memoryBytes + confirmations.memoryBytes
    }

    // MARK: - Internals

    /// Adds a customer unless the consent has already lapsed or every slot (2^24 − 1) is taken.
    private mutating func add(_ c: ConsentKeys, at time: Date) {
        guard let slot = addExceptWLK1(c, at: time) else { return }
        wlk1.add(c, slot: slot)
    }

    /// The slot and every index but WLK1's (which a bulk load fills in one go); nil when not added.
    private mutating func addExceptWLK1(_ c: ConsentKeys, at time: Date) -> UInt32? {
        let expiry = c.expires.flatMap(Self.milliseconds) ?? .max
        if let now = Self.milliseconds(time), expiry <= now { return nil }
        guard let slot = slots.allocate(c.customer, expiresMs: expiry, digest: Self.digest(c)) else { return nil }
        cards.add(c, slot: slot)
        eids.add(c, slot: slot)
        statics.add(c, slot: slot)
        rpas.add(c, slot: slot)
        return slot
    }

    /// Every index forgets the slot before the slot table wipes and frees it.
    private mutating func remove(slot: UInt32) {
        guard slots.isLive(slot) else { return }
        wlk1.remove(slot: slot)
        cards.remove(slot: slot)
        eids.remove(slot: slot)
        statics.remove(slot: slot)
        rpas.remove(slot: slot)
        confirmations.remove(slot: slot)
        slots.release(slot)
    }

    static func digest(_ c: ConsentKeys) -> Int {
        var h = Hasher()
        h.combine(c.customer)
        h.combine(c.beaconKey)
        h.combine(c.cardPseudonyms)
        h.combine(c.eid)
        h.combine(c.irk)
        h.combine(c.staticIdentifiers)
        h.combine(c.expires)
        return h.finalize()
    }

    static func milliseconds(_ date: Date) -> Int64? {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite, ms > -9.0e15, ms < 9.0e15 else { return nil }
        return Int64(ms)
    }
}
