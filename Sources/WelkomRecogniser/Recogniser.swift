import CWelkomAES
import WelkomCore
import WelkomIdentifiers
import struct Foundation.Date

/// The matching core: "which opted-in customer, if any, is this sighting?" — with no I/O, in
/// constant time for every scheme but RPAs (one batched AES trial per enrolled IRK, cached).
/// It holds lookup tables built only from active consents, so a stranger's identifier is never
/// stored: it is looked up, misses, and is gone (the RPA cache keeps only keyed hashes, see RPACache).
///
/// - WLK1: ONE compact table for every window in `centre ± skew` (TokenTable: 36-bit fingerprint,
///   4-bit window tag → slot; a candidate is verified by recomputing its token), so a lookup is
///   one probe sequence. When the sightings' clock enters a new window the window that fell out
///   is swept out of the table and only the new one is computed, in one batched AES pass over the
///   16-byte token keys (`roll(to:)`).
/// - Eddystone-EID: the EIDs of each beacon's previous, current and next rotation period; a
///   beacon's set is refreshed when its period changes (only its own, and only then).
/// - RPAs: the IRKs' key schedules, expanded once, tried eight at a time by the C core; answers
///   cached per address. With N IRKs a stranger matches by chance with p ≈ N/2^24; while p exceeds
///   `rpaFalseMatchBound` an RPA match alone is not a recognition: it needs a WLK1 token from the
///   same device address, or a card, of the same customer within the RPA lifetime (invariant 8).
/// - Static identifiers (iBeacon, AltBeacon, fixed addresses): loaded and matched only when
///   `allowStaticIdentifiers` is set (invariant 7).
/// - Cards: keyed pseudonym → slot.
///
/// Enrolment and withdrawal change the tables in place (`upsert`, `remove(customer:)`,
/// `reconcile`); a consent that expires drops out at its expiry on its own (checked on every
/// sighting, and an expired slot never matches even in between).
public struct Recogniser: Sendable {
    public private(set) var settings: RecogniserSettings
    private let pepper: [UInt8]
    private let aes = FastAES.best

    // MARK: Customers, one slot each (struct of arrays: a few bytes per customer per field).

    private struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let live = Flags(rawValue: 1)
        static let token = Flags(rawValue: 2)
    }

    private var ids: [CustomerID] = []
    private var tokenKeys: [Wire128] = []
    private var expiresMs: [Int64] = []
    private var flags: [Flags] = []
    private var generations: [UInt32] = []
    /// A digest of the consent each slot was loaded from, so `reconcile` touches only what changed.
    private var digests: [Int] = []
    private var freeSlots: [UInt32] = []
    private var idIndex = PackedTable()
    public private(set) var customerCount = 0
    private var expiries = ExpiryQueue()

    // MARK: Scheme tables

    private var tokens = TokenTable()
    /// The windows whose tokens `tokens` holds: `centreWindow ± skew`, clamped to UInt32.
    private var windowLow: UInt32 = 1
    private var windowHigh: UInt32 = 0
    /// The window the WLK1 table is centred on; nil until the first sighting or `roll`.
    public private(set) var centreWindow: UInt32?

    private var cards: [Block128: UInt32] = [:]
    private var cardsBySlot: [UInt32: [Block128]] = [:]

    private struct Beacon: Sendable {
        var registration: EIDRegistration
        var eids: [UInt64] = []
        /// The seconds during which `eids` are right: the current period.
        var fromSeconds: Int64 = .max
        var untilSeconds: Int64 = .min
    }
    private var beacons: [UInt32: Beacon] = [:]
    private var eids: [UInt64: UInt32] = [:]
    /// Every beacon's set is right for seconds in [eidValidFrom, eidValidUntil).
    private var eidValidFrom: Int64 = .max
    private var eidValidUntil: Int64 = .min

    private var irkSchedules: [UInt8] = []
    private var irkOwners: [UInt32] = []
    private var irkBySlot: [UInt32: Int] = [:]
    private var rpaCache = RPACache()
    private var verifiedTokens = VerifiedTokens()

    private struct Confirmation: Sendable {
        var milliseconds: Int64
        /// The device address the WLK1 token came from; nil for a card (any of their devices).
        var address: UInt64?
    }
    private var confirmations: [UInt32: Confirmation] = [:]

    private var statics: [StaticIdentifier: UInt32] = [:]
    private var staticsBySlot: [UInt32: [StaticIdentifier]] = [:]

    public init(settings: RecogniserSettings, pepper: [UInt8]) {
        self.settings = settings
        self.pepper = pepper
    }

    // MARK: - The false-match bound (invariant 8)

    /// How many IRKs are enrolled (active consents only).
    public var enrolledIRKCount: Int { irkOwners.count }
    /// N / 2^24: the chance that a stranger's RPA matches some enrolled IRK.
    public var rpaFalseMatchChance: Double { ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: enrolledIRKCount) }
    /// True while an RPA match alone is not enough (the chance exceeds the configured bound).
    public var rpaMatchNeedsConfirmation: Bool { rpaFalseMatchChance > settings.rpaFalseMatchBound }

    // MARK: - Changing the tables

    /// Replaces the tables with these consents. While recognition is disabled nothing is loaded.
    public mutating func load(_ consents: [ConsentKeys], at time: Date) {
        let centre = centreWindow ?? WLK1.window(at: time)
        self = Recogniser(settings: settings, pepper: pepper)
        guard settings.enabled else { return }
        reserve(consents.count)
        // Customers first, then every window in one batched pass: far cheaper than per-customer inserts.
        for c in consents { _ = add(c, at: time, intoWindows: false) }
        // The arrays a hit reads at a random slot, now filled: on huge pages, so that a hit does
        // not pay a TLB miss (a nested page walk in a VM) per array.
        Self.collapseHugePages(&ids); Self.collapseHugePages(&tokenKeys); Self.collapseHugePages(&expiresMs)
        Self.collapseHugePages(&flags)
        if let centre { roll(to: centre) }
    }

    /// Brings the tables to exactly these consents, touching only customers whose keys changed,
    /// who are new, or who are gone. Returns how many were (re)added and removed.
    @discardableResult
    public mutating func reconcile(with consents: [ConsentKeys], at time: Date) -> (upserted: Int, removed: Int) {
        guard settings.enabled else { return (0, 0) }
        var wanted = Set<CustomerID>(minimumCapacity: consents.count)
        var upserted = 0, removed = 0
        for c in consents {
            wanted.insert(c.customer)
            if let slot = slot(of: c.customer), digests[Int(slot)] == Self.digest(c) { continue }
            upsert(c, at: time)
            upserted += 1
        }
        for slot in ids.indices where flags[slot].contains(.live) && !wanted.contains(ids[slot]) {
            remove(slot: UInt32(slot))
            removed += 1
        }
        return (upserted, removed)
    }

    /// Adds or replaces one customer's keys in place: effective for the next sighting.
    public mutating func upsert(_ consent: ConsentKeys, at time: Date) {
        guard settings.enabled else { return }
        if let slot = slot(of: consent.customer) { remove(slot: slot) }
        _ = add(consent, at: time, intoWindows: true)
    }

    /// Removes a customer (withdrawal): effective for the next sighting. False if not loaded.
    @discardableResult
    public mutating func remove(customer: CustomerID) -> Bool {
        guard let slot = slot(of: customer) else { return false }
        remove(slot: slot)
        return true
    }

    /// Whether the tables hold this customer.
    public func contains(customer: CustomerID) -> Bool { slot(of: customer) != nil }

    // MARK: - Recognising

    /// The customer this sighting belongs to, if any. A sighting that matches nothing leaves
    /// nothing behind (the RPA cache holds only a keyed hash of the address, in memory, for at
    /// most an RPA's lifetime).
    public mutating func recognise(_ sighting: Sighting) -> Recognition? {
        guard settings.enabled, let nowMs = Self.milliseconds(sighting.time) else { return nil }
        dropExpired(nowMs: nowMs)
        var match: (slot: UInt32, scheme: Scheme)?
        switch sighting.evidence {
        case let .wlk1(companyID, token):
            if companyID == settings.companyID, let window = WLK1.window(at: sighting.time) {
                match = lookupWLK1(token, window: window).map { ($0, .wlk1) }
            }
        case let .card(normalised):
            let p = CardPseudonym.compute(pepper: pepper, normalised: normalised)
            match = Block128(bytes: p.prefix(16)).flatMap { cards[$0] }.map { ($0, .card) }
        case let .eid(eid):
            match = lookupEID(eid, nowMs: nowMs).map { ($0, .eid) }
        case let .staticIdentifier(id):
            if settings.allowStaticIdentifiers { match = statics[id].map { ($0, .staticIdentifier) } }
        case .other:
            break
        }
        if match == nil, let address = sighting.address {
            if address.isResolvablePrivate {
                match = resolve(address, nowMs: nowMs).map { ($0, .rpa) }
            } else if settings.allowStaticIdentifiers, !address.isRandom || address.isStaticRandom {
                match = statics[.address(address.value)].map { ($0, .staticIdentifier) }
            }
        }
        guard let match, isActive(match.slot, nowMs: nowMs) else { return nil }
        // Checked here, not only inside: even a call that returns at once costs a hit ~15 ns.
        if !irkOwners.isEmpty, match.scheme == .wlk1 || match.scheme == .card {
            noteConfirmation(match.slot, nowMs: nowMs, address: match.scheme == .card ? nil : sighting.address?.value)
        }
        return Recognition(customer: ids[Int(match.slot)], scheme: match.scheme, time: sighting.time,
                           till: sighting.till, rssi: sighting.rssi, receiver: sighting.receiver)
    }

    /// Centres the WLK1 table on `window`: sweeps out the windows that fell out of range and
    /// computes only the windows that were not there yet.
    public mutating func roll(to window: UInt32) {
        guard settings.enabled else { return }
        // The table tags windows with 4 bits: at most 16 in range (the config allows skew ≤ 6).
        let skew = UInt32(min(settings.skewWindows, (TokenTable.maximumWindows - 1) / 2))
        let low = window >= skew ? window - skew : 0
        let high = window > UInt32.max - skew ? UInt32.max : window + skew
        if windowLow <= windowHigh {
            if windowHigh < low || windowLow > high {
                tokens.removeAll()
            } else {
                var dropped: UInt16 = 0
                for w in windowLow...windowHigh where w < low || w > high { dropped |= 1 << UInt16(TokenTable.tag(w)) }
                if dropped != 0 { tokens.removeAll(tags: dropped) }
            }
        }
        let had = windowLow <= windowHigh ? windowLow...windowHigh : nil
        windowLow = low
        windowHigh = high
        centreWindow = window
        tokens.reserve(customerCount * Int(high - low + 1))
        for w in low...high where !(had?.contains(w) ?? false) { insertWindow(w) }
    }

    // MARK: - Memory

    /// Bytes held by the tables (capacities, not counts), excluding the heap storage of customer
    /// IDs longer than 15 UTF-8 bytes (shorter ones live inline).
    public var tableMemoryBytes: Int {
        var total = ids.capacity * MemoryLayout<CustomerID>.stride
            + tokenKeys.capacity * MemoryLayout<Wire128>.stride
            + expiresMs.capacity * 8 + flags.capacity + generations.capacity * 4 + digests.capacity * 8
            + freeSlots.capacity * 4 + idIndex.memoryBytes + expiries.memoryBytes
        total += tokens.memoryBytes
        total += cards.capacity * (MemoryLayout<Block128>.stride + 4 + 1)
        total += irkSchedules.capacity + irkOwners.capacity * 4 + irkBySlot.capacity * 17
        total += eids.capacity * 13 + beacons.count * (MemoryLayout<Beacon>.stride + 24 + 32)
        total += rpaCache.memoryBytes + verifiedTokens.memoryBytes
        return total
    }

    // MARK: - Internals: slots

    private mutating func reserve(_ n: Int) {
        ids.reserveCapacity(n); tokenKeys.reserveCapacity(n); expiresMs.reserveCapacity(n)
        flags.reserveCapacity(n); generations.reserveCapacity(n); digests.reserveCapacity(n)
        // A hit reads these at a random slot: with 4 KiB pages each read is also a TLB miss (and a
        // costly nested page walk in a VM). Advised before the appends first touch the pages.
        Self.adviseHugePages(&ids); Self.adviseHugePages(&tokenKeys); Self.adviseHugePages(&expiresMs)
        Self.adviseHugePages(&flags)
        idIndex = PackedTable(minimumCapacity: n)
    }

    private static func collapseHugePages<T>(_ array: inout [T]) {
        let bytes = array.count * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { welkom_collapse_huge_pages($0.baseAddress, bytes) }
    }

    private static func adviseHugePages<T>(_ array: inout [T]) {
        let bytes = array.capacity * MemoryLayout<T>.stride
        array.withUnsafeMutableBufferPointer { welkom_advise_huge_pages($0.baseAddress, bytes) }
    }

    private static func idSource(_ id: CustomerID) -> UInt64 {
        var h = Hasher()
        h.combine(id)
        return UInt64(bitPattern: Int64(h.finalize()))
    }

    private func slot(of customer: CustomerID) -> UInt32? {
        idIndex.firstSlot(Self.idSource(customer)) { ids[Int($0)] == customer && flags[Int($0)].contains(.live) }
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

    /// Adds a customer; false if the consent has already lapsed or the table is full (2^24 − 1 slots).
    private mutating func add(_ c: ConsentKeys, at time: Date, intoWindows: Bool) -> Bool {
        let expiry = c.expires.flatMap(Self.milliseconds) ?? .max
        if let now = Self.milliseconds(time), expiry <= now { return false }
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            guard ids.count <= Int(PackedTable.maximumSlot) else { return false }
            slot = UInt32(ids.count)
            ids.append(""); tokenKeys.append(Wire128()); expiresMs.append(.max); flags.append([])
            generations.append(0); digests.append(0)
        }
        let i = Int(slot)
        ids[i] = c.customer
        expiresMs[i] = expiry
        flags[i] = .live
        digests[i] = Self.digest(c)
        if let key = c.beaconKey {
            tokenKeys[i] = WLK1.tokenKey(beaconKey: key).wire
            flags[i].insert(.token)
        }
        idIndex.insert(Self.idSource(c.customer), slot: slot)
        customerCount += 1
        if expiry != .max { expiries.push(.init(milliseconds: expiry, slot: slot, generation: generations[i])) }

        if intoWindows, c.beaconKey != nil, windowLow <= windowHigh {
            for w in windowLow...windowHigh { tokens.insert(token(slot: slot, window: w).hi, window: w, slot: slot) }
        }
        var cardKeys: [Block128] = []
        for p in c.cardPseudonyms {
            guard let k = Block128(bytes: p.prefix(16)) else { continue }
            cards[k] = slot
            cardKeys.append(k)
        }
        if !cardKeys.isEmpty { cardsBySlot[slot] = cardKeys }
        if let e = c.eid {
            beacons[slot] = Beacon(registration: e)
            // Computed at the next EID sighting, for that sighting's time.
            eidValidFrom = .max
            eidValidUntil = .min
        }
        if let irk = c.irk {
            irkBySlot[slot] = irkOwners.count
            irkOwners.append(slot)
            irkSchedules.append(contentsOf: FastAES.schedule(irk, implementation: aes))
            rpaCache.clear()
        }
        if settings.allowStaticIdentifiers, !c.staticIdentifiers.isEmpty {
            for s in c.staticIdentifiers { statics[s] = slot }
            staticsBySlot[slot] = c.staticIdentifiers
        }
        return true
    }

    private mutating func remove(slot: UInt32) {
        let i = Int(slot)
        guard flags[i].contains(.live) else { return }
        idIndex.remove(Self.idSource(ids[i]), slot: slot)
        if flags[i].contains(.token), windowLow <= windowHigh {
            for w in windowLow...windowHigh { tokens.remove(token(slot: slot, window: w).hi, window: w, slot: slot) }
        }
        for k in cardsBySlot.removeValue(forKey: slot) ?? [] where cards[k] == slot { cards[k] = nil }
        if let b = beacons.removeValue(forKey: slot) {
            for e in b.eids where eids[e] == slot { eids[e] = nil }
        }
        if let index = irkBySlot.removeValue(forKey: slot) {
            // Swap-remove: the last IRK's schedule moves into the hole.
            let last = irkOwners.count - 1
            if index != last {
                let s = FastAES.scheduleBytes
                for b in 0..<s { irkSchedules[index * s + b] = irkSchedules[last * s + b] }
                irkOwners[index] = irkOwners[last]
                irkBySlot[irkOwners[index]] = index
            }
            irkOwners.removeLast()
            irkSchedules.removeLast(FastAES.scheduleBytes)
            rpaCache.clear()
        }
        for s in staticsBySlot.removeValue(forKey: slot) ?? [] where statics[s] == slot { statics[s] = nil }
        confirmations[slot] = nil
        // Key material goes now, not when the slot is reused.
        ids[i] = ""
        tokenKeys[i] = Wire128()
        flags[i] = []
        expiresMs[i] = .max
        digests[i] = 0
        generations[i] &+= 1
        freeSlots.append(slot)
        customerCount -= 1
    }

    private func isActive(_ slot: UInt32, nowMs: Int64) -> Bool {
        let i = Int(slot)
        return i < flags.count && flags[i].contains(.live) && nowMs < expiresMs[i]
    }

    private mutating func dropExpired(nowMs: Int64) {
        while let due = expiries.popDue(nowMs: nowMs) {
            let i = Int(due.slot)
            if i < generations.count, generations[i] == due.generation, flags[i].contains(.live) { remove(slot: due.slot) }
        }
    }

    // MARK: - Internals: WLK1

    /// One token, without allocating: the C core straight on the slot's stored key.
    private func token(slot: UInt32, window: UInt32) -> Block128 {
        Self.token(key: tokenKeys[Int(slot)], window: window, impl: aes.c)
    }

    @inline(__always)
    private static func token(key: Wire128, window: UInt32, impl: welkom_aes_impl) -> Block128 {
        var key = key
        var plain = WLK1.plaintext(window: window).wire
        var out = Wire128()
        withUnsafeBytes(of: &key) { k in
            withUnsafeBytes(of: &plain) { p in
                withUnsafeMutableBytes(of: &out) { o in
                    welkom_aes128_encrypt_keys(impl, k.baseAddress!.assumingMemoryBound(to: UInt8.self), 1,
                                               p.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                               o.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return out.block
    }

    /// Adds every customer's token of `window`: one batched AES pass, then the inserts.
    private mutating func insertWindow(_ window: UInt32) {
        let n = tokenKeys.count
        guard n > 0 else { return }
        var plain = WLK1.plaintext(window: window).wire
        let out = [Wire128](unsafeUninitializedCapacity: n) { buffer, initialised in
            tokenKeys.withUnsafeBytes { k in
                withUnsafeBytes(of: &plain) { p in
                    welkom_aes128_encrypt_keys(aes.c, k.baseAddress!.assumingMemoryBound(to: UInt8.self), n,
                                               p.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                               UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self))
                }
            }
            initialised = n
        }
        let his = out.map { UInt64(bigEndian: $0.hi) }
        let flags = self.flags
        his.withUnsafeBufferPointer { h in
            tokens.insertWindow(h, window: window) { flags[$0].contains(.token) }
        }
    }

    private mutating func lookupWLK1(_ token: Block128, window: UInt32) -> UInt32? {
        if window != centreWindow { roll(to: window) }
        guard let (slot, tokenWindow, repeated) = findWLK1(token) else { return nil }
        if !repeated {
            verifiedTokens.insert(token, slot: slot, generation: generations[Int(slot)], window: tokenWindow)
        }
        return slot
    }

    /// Non-mutating and over buffer pointers: no copies, retains or exclusivity checks per probe.
    /// The verification closure captures only pointers and scalars, never `self`: a closure that
    /// captured the whole struct would retain and release every one of its arrays per candidate.
    ///
    /// A candidate counts only if its real token for the tagged window equals this one: either
    /// computed now (AES under the customer's token key) or computed at an earlier sighting of
    /// this very token (`VerifiedTokens`, all 128 bits compared). `repeated` says which.
    /// Always inlined: called as a method from `lookupWLK1` (mutating) it was handed a memcpy'd
    /// copy of the whole struct on every sighting.
    @inline(__always)
    private func findWLK1(_ token: Block128) -> (slot: UInt32, window: UInt32, repeated: Bool)? {
        let low = windowLow
        let impl = aes.c
        var window: UInt32 = 0, repeated = false
        let slot = tokenKeys.withUnsafeBufferPointer { keys -> UInt32? in
            flags.withUnsafeBufferPointer { flags -> UInt32? in
                generations.withUnsafeBufferPointer { generations -> UInt32? in
                    tokens.firstSlot(token.hi) { slot, tag in
                        guard flags[Int(slot)].contains(.token) else { return false }
                        // The one window in range with these low bits (the range spans at most 16).
                        window = low &+ ((tag &- low) & UInt32(TokenTable.tagMask))
                        if verifiedTokens.contains(token, slot: slot, generation: generations[Int(slot)], window: window) {
                            repeated = true
                            return true
                        }
                        return Self.token(key: keys[Int(slot)], window: window, impl: impl) == token
                    }
                }
            }
        }
        return slot.map { ($0, window, repeated) }
    }

    // MARK: - Internals: Eddystone-EID

    private mutating func lookupEID(_ eid: UInt64, nowMs: Int64) -> UInt32? {
        guard !beacons.isEmpty else { return nil }
        let seconds = nowMs >= 0 ? nowMs / 1000 : (nowMs - 999) / 1000
        if seconds < eidValidFrom || seconds >= eidValidUntil { refreshBeacons(seconds: seconds) }
        return eids[eid]
    }

    /// Refreshes the EIDs of every beacon whose current period is not the one `seconds` falls in.
    private mutating func refreshBeacons(seconds: Int64) {
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
        eidValidFrom = from
        eidValidUntil = until
    }

    // MARK: - Internals: RPAs

    private mutating func resolve(_ address: DeviceAddress, nowMs: Int64) -> UInt32? {
        guard !irkOwners.isEmpty else { return nil }
        var owner: UInt32?
        switch rpaCache.lookup(address.value, nowMs: nowMs) {
        case .negative:
            return nil
        case let .candidate(slot, generation):
            if generations[Int(slot)] == generation, let index = irkBySlot[slot],
               irkMatches(index: index, address: address) {
                owner = slot
            }
        case .unknown:
            break
        }
        if owner == nil {
            owner = trialOwner(address)
            if let owner {
                rpaCache.store(address.value, nowMs: nowMs, slot: owner, generation: generations[Int(owner)])
            } else {
                rpaCache.store(address.value, nowMs: nowMs)
            }
        }
        guard let owner else { return nil }
        guard rpaMatchNeedsConfirmation else { return owner }
        // Above the bound: only with a WLK1 token from this very address, or a card, of the same
        // customer within an RPA lifetime.
        guard let c = confirmations[owner], nowMs >= c.milliseconds,
              nowMs - c.milliseconds < RPACache.lifetimeMilliseconds,
              c.address == nil || c.address == address.value else { return nil }
        return owner
    }

    /// Every IRK tried (batched in C); nil unless exactly one matches: two owners are ambiguous.
    private func trialOwner(_ address: DeviceAddress) -> UInt32? {
        irkSchedules.withUnsafeBufferPointer { s -> UInt32? in
            guard let first = FastAES.findRPA(schedules: s, prand: address.prand, hash: address.hash, implementation: aes)
            else { return nil }
            if FastAES.findRPA(schedules: s, from: first + 1, prand: address.prand, hash: address.hash, implementation: aes) != nil {
                return nil
            }
            return irkOwners[first]
        }
    }

    private func irkMatches(index: Int, address: DeviceAddress) -> Bool {
        irkSchedules.withUnsafeBufferPointer { s in
            let one = UnsafeBufferPointer(rebasing: s[index * FastAES.scheduleBytes..<(index + 1) * FastAES.scheduleBytes])
            return FastAES.findRPA(schedules: one, prand: address.prand, hash: address.hash, implementation: aes) == 0
        }
    }

    private mutating func noteConfirmation(_ slot: UInt32, nowMs: Int64, address: UInt64?) {
        guard !irkOwners.isEmpty else { return }
        confirmations[slot] = Confirmation(milliseconds: nowMs, address: address)
        // Bounded: stale confirmations go once there are many.
        if confirmations.count > 4096 {
            confirmations = confirmations.filter { nowMs - $0.value.milliseconds < RPACache.lifetimeMilliseconds }
        }
    }

    static func milliseconds(_ date: Date) -> Int64? {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms.isFinite, ms > -9.0e15, ms < 9.0e15 else { return nil }
        return Int64(ms)
    }
}
