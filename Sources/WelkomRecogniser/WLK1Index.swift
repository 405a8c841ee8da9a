import CWelkomAES
import WelkomCore
import WelkomIdentifiers

/// WLK1 tokens: ONE compact table for every window in `centre ± skew` (TokenTable: 36-bit
/// fingerprint, 4-bit window tag → slot; a candidate is verified by recomputing its token), so a
/// lookup is one probe sequence. When the sightings' clock enters a new window, the window that
/// fell out is swept out of the table and only the new one is computed, in one batched AES pass
/// over the 16-byte token keys (`roll(to:)`).
///
/// The token keys sit in a dense array by slot (struct of arrays), so that pass runs straight
/// over it and a verification reads one key.
struct WLK1Index: SchemeIndex {
    static var scheme: Scheme { .wlk1 }

    private let aes: FastAES.Implementation
    private let companyID: UInt16
    /// Windows either side of the centre, at most 7: the table tags windows with 4 bits.
    private let skew: UInt32

    private var tokens = TokenTable()
    /// Per slot: the token key, whether the slot has one, and a generation bumped when it goes,
    /// so a token remembered as verified (`verified`) never outlives its key or consent.
    private var keys: [Wire128] = []
    private var hasKey: [Bool] = []
    private var generations: [UInt32] = []
    private var verified = VerifiedTokens()
    /// Slots with a token key.
    private var keyed = 0

    /// The windows whose tokens `tokens` holds: `centreWindow ± skew`, clamped to UInt32; empty
    /// (low > high) until the first roll.
    private var windowLow: UInt32 = 1
    private var windowHigh: UInt32 = 0
    /// The window the table is centred on; nil until the first sighting or roll.
    private(set) var centreWindow: UInt32?

    init(aes: FastAES.Implementation, companyID: UInt16, skewWindows: Int) {
        self.aes = aes
        self.companyID = companyID
        skew = UInt32(min(max(0, skewWindows), (TokenTable.maximumWindows - 1) / 2))
    }

    var memoryBytes: Int {
        tokens.memoryBytes + MemoryFootprint.of(keys) + MemoryFootprint.of(hasKey) + MemoryFootprint.of(generations)
            + verified.memoryBytes
    }

    /// Makes room for `n` customers, on huge pages where a verification reads (see HugePages).
    mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n); hasKey.reserveCapacity(n); generations.reserveCapacity(n)
        HugePages.advise(&keys); HugePages.advise(&hasKey)
    }

    /// After a bulk load: the arrays a verification reads, now filled, onto huge pages.
    mutating func collapseHugePages() {
        HugePages.collapse(&keys); HugePages.collapse(&hasKey)
    }

    mutating func add(_ consent: ConsentKeys, slot: UInt32) {
        guard let beaconKey = consent.beaconKey else { return }
        let i = Int(slot)
        grow(to: i + 1)
        keys[i] = WLK1.tokenKey(beaconKey: beaconKey).wire
        hasKey[i] = true
        keyed += 1
        // Into the windows already in the table; a bulk load adds none here and rolls after.
        if windowLow <= windowHigh {
            for w in windowLow...windowHigh { tokens.insert(token(slot: slot, window: w).hi, window: w, slot: slot) }
        }
    }

    /// Many slots' token keys at once (a bulk load, `WLK1TokenKeys.derive`), in the order of `slots`.
    mutating func add(tokenKeys: [Block128], slots: [UInt32]) {
        precondition(tokenKeys.count == slots.count, "one token key per slot")
        guard let top = slots.max() else { return }
        grow(to: Int(top) + 1)
        for (key, slot) in zip(tokenKeys, slots) {
            let i = Int(slot)
            if !hasKey[i] { keyed += 1 }
            keys[i] = key.wire
            hasKey[i] = true
            if windowLow <= windowHigh {
                for w in windowLow...windowHigh { tokens.insert(token(slot: slot, window: w).hi, window: w, slot: slot) }
            }
        }
    }

    private mutating func grow(to count: Int) {
        guard count > keys.count else { return }
        let more = count - keys.count
        keys.append(contentsOf: repeatElement(Wire128(), count: more))
        hasKey.append(contentsOf: repeatElement(false, count: more))
        generations.append(contentsOf: repeatElement(0, count: more))
    }

    mutating func remove(slot: UInt32) {
        let i = Int(slot)
        guard i < hasKey.count, hasKey[i] else { return }
        if windowLow <= windowHigh {
            for w in windowLow...windowHigh { tokens.remove(token(slot: slot, window: w).hi, window: w, slot: slot) }
        }
        // Key material goes now, not when the slot is reused.
        keys[i] = Wire128()
        hasKey[i] = false
        generations[i] &+= 1
        keyed -= 1
    }

    mutating func lookup(_ sighting: Sighting, nowMs: Int64) -> UInt32? {
        guard case let .wlk1(companyID, token) = sighting.evidence, companyID == self.companyID,
              let window = WLK1.window(at: sighting.time) else { return nil }
        if window != centreWindow { roll(to: window) }
        guard let (slot, tokenWindow, repeated) = find(token) else { return nil }
        if !repeated {
            verified.insert(token, slot: slot, generation: generations[Int(slot)], window: tokenWindow)
        }
        return slot
    }

    /// Centres the table on `window`: sweeps out the windows that fell out of range and computes
    /// only the windows that were not there yet.
    mutating func roll(to window: UInt32) {
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
        tokens.reserve(keyed * Int(high - low + 1))
        for w in low...high where !(had?.contains(w) ?? false) { insertWindow(w) }
    }

    /// One token, without allocating: the C core straight on the slot's stored key.
    private func token(slot: UInt32, window: UInt32) -> Block128 {
        Self.token(key: keys[Int(slot)], window: window, impl: aes.c)
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

    /// Adds every keyed slot's token of `window`: one batched AES pass, then the inserts.
    private mutating func insertWindow(_ window: UInt32) {
        let n = keys.count
        guard n > 0 else { return }
        var plain = WLK1.plaintext(window: window).wire
        let out = [Wire128](unsafeUninitializedCapacity: n) { buffer, initialised in
            keys.withUnsafeBytes { k in
                withUnsafeBytes(of: &plain) { p in
                    welkom_aes128_encrypt_keys(aes.c, k.baseAddress!.assumingMemoryBound(to: UInt8.self), n,
                                               p.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                               UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self))
                }
            }
            initialised = n
        }
        let his = out.map { UInt64(bigEndian: $0.hi) }
        // A copy of the flags (shares storage): the closure must not touch `self` while `tokens` is mutated.
        let hasKey = self.hasKey
        his.withUnsafeBufferPointer { h in
            tokens.insertWindow(h, window: window) { hasKey[$0] }
        }
    }

    /// Non-mutating and over buffer pointers: no copies, retains or exclusivity checks per probe.
    /// The verification closure captures only pointers and scalars, never `self`: a closure that
    /// captured the whole struct would retain and release every one of its arrays per candidate.
    ///
    /// A candidate counts only if its real token for the tagged window equals this one: either
    /// computed now (AES under the customer's token key) or computed at an earlier sighting of
    /// this very token (`VerifiedTokens`, all 128 bits compared). `repeated` says which.
    /// Always inlined: called as a method from `lookup` (mutating) it was handed a memcpy'd
    /// copy of the whole struct on every sighting.
    @inline(__always)
    private func find(_ token: Block128) -> (slot: UInt32, window: UInt32, repeated: Bool)? {
        let low = windowLow
        let impl = aes.c
        var window: UInt32 = 0, repeated = false
        let slot = keys.withUnsafeBufferPointer { keys -> UInt32? in
            hasKey.withUnsafeBufferPointer { hasKey -> UInt32? in
                generations.withUnsafeBufferPointer { generations -> UInt32? in
                    tokens.firstSlot(token.hi) { slot, tag in
                        guard hasKey[Int(slot)] else { return false }
                        // The one window in range with these low bits (the range spans at most 16).
                        window = low &+ ((tag &- low) & UInt32(TokenTable.tagMask))
                        if verified.contains(token, slot: slot, generation: generations[Int(slot)], window: window) {
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
}
