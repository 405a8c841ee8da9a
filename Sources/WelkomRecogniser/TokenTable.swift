import CWelkomAES

/// The WLK1 lookup table: ONE open-addressing table for every window in `centre ± skew`, so a
/// sighting costs one probe sequence (one cache line, usually) instead of one per window.
///
/// Each bucket is one UInt64 (0 = empty): a 36-bit fingerprint of the token, a 4-bit window tag
/// (the window's low bits: at most 16 windows are ever in range, see `maximumWindows`) and a 24-bit
/// customer slot. The tag says which window's token to recompute when verifying a candidate, and
/// lets a roll drop a whole window in one sequential sweep (`removeAll(tags:)`) without recomputing
/// its tokens. At most half full, linear probing, backward-shift deletion (no tombstones).
///
/// A fingerprint is not the token: a lookup yields candidates the caller verifies against the
/// real token, so a stranger sharing 36 bits with a customer's token is still not recognised.
struct TokenTable: Sendable {
    static let slotBits: UInt64 = 24
    static let slotMask: UInt64 = (1 << 24) - 1
    static let tagShift: UInt64 = 24
    static let tagMask: UInt64 = 0xF
    static let fingerprintShift: UInt64 = 28
    /// Windows that can share the table: the tag is 4 bits.
    static let maximumWindows = 16

    private(set) var buckets: [UInt64]
    private(set) var count = 0
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        buckets = Self.zeroed(Self.capacity(for: minimumCapacity))
        mask = buckets.count - 1
    }

    var memoryBytes: Int { buckets.capacity * MemoryLayout<UInt64>.stride }

    @inline(__always) static func tag(_ window: UInt32) -> UInt64 { UInt64(window) & tagMask }
    /// The 36 bits of the token's high half kept as its fingerprint.
    @inline(__always) static func fingerprint(_ hi: UInt64) -> UInt64 { hi >> fingerprintShift }

    /// Static, taking the mask: called inside `withUnsafeMutableBufferPointer`, where touching
    /// `self` would overlap the exclusive access to `buckets`.
    @inline(__always) private static func home(_ fp: UInt64, _ mask: Int) -> Int {
        // A multiplicative mix, so the bucket index does not reuse the fingerprint's raw bits.
        Int(truncatingIfNeeded: (fp &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    private static func capacity(for entries: Int) -> Int {
        var capacity = 16
        while capacity < entries * 2 { capacity <<= 1 }
        return capacity
    }

    /// Zeroed buckets, asking the kernel for huge pages first: a random probe into tens of
    /// megabytes otherwise pays a TLB miss (a page walk) on top of its cache miss.
    private static func zeroed(_ n: Int) -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: n) { buffer, initialised in
            welkom_advise_huge_pages(buffer.baseAddress, n * MemoryLayout<UInt64>.stride)
            buffer.initialize(repeating: 0)
            initialised = n
        }
    }

    /// Makes room for `entries` without growing later (a roll inserts a whole window).
    mutating func reserve(_ entries: Int) {
        let capacity = Self.capacity(for: entries)
        if capacity > buckets.count { rehash(capacity) }
    }

    mutating func removeAll() {
        buckets = Self.zeroed(16)
        mask = 15
        count = 0
    }

    mutating func insert(_ hi: UInt64, window: UInt32, slot: UInt32) {
        if (count + 1) * 2 > buckets.count { rehash(buckets.count * 2) }
        let e = Self.fingerprint(hi) << Self.fingerprintShift | Self.tag(window) << Self.tagShift | UInt64(slot + 1)
        let mask = self.mask
        buckets.withUnsafeMutableBufferPointer { b in Self.place(e, in: b, mask) }
        count += 1
    }

    /// Inserts one window's tokens (`his[slot]` for every slot where `include(slot)`), loading
    /// buckets a few entries ahead so that the cache misses of consecutive inserts overlap.
    mutating func insertWindow(_ his: UnsafeBufferPointer<UInt64>, window: UInt32, include: (Int) -> Bool) {
        reserve(count + his.count)
        let tag = Self.tag(window) << Self.tagShift
        let ahead = 16
        var added = 0
        let mask = self.mask
        buckets.withUnsafeMutableBufferPointer { b in
            for slot in his.indices {
                if slot + ahead < his.count { welkom_prefetch(b.baseAddress! + Self.home(Self.fingerprint(his[slot + ahead]), mask)) }
                guard include(slot) else { continue }
                Self.place(Self.fingerprint(his[slot]) << Self.fingerprintShift | tag | UInt64(slot + 1), in: b, mask)
                added += 1
            }
        }
        count += added
    }

    @inline(__always) private static func place(_ e: UInt64, in b: UnsafeMutableBufferPointer<UInt64>, _ mask: Int) {
        var i = home(e >> fingerprintShift, mask)
        while b[i] != 0 { i = (i + 1) & mask }
        b[i] = e
    }

    /// Starts loading the bucket a lookup of `hi` begins at.
    @inline(__always) func prefetch(_ hi: UInt64) {
        buckets.withUnsafeBufferPointer { welkom_prefetch($0.baseAddress! + Self.home(Self.fingerprint(hi), mask)) }
    }

    /// Calls `body(slot, tag)` for every entry stored under this token's fingerprint until it
    /// returns true, and returns that slot.
    @inline(__always)
    func firstSlot(_ hi: UInt64, where body: (UInt32, UInt32) -> Bool) -> UInt32? {
        let fp = Self.fingerprint(hi)
        let mask = self.mask
        var i = Self.home(fp, mask)
        return buckets.withUnsafeBufferPointer { b -> UInt32? in
            while true {
                let e = b[i]
                if e == 0 { return nil }
                if e >> Self.fingerprintShift == fp {
                    let slot = UInt32(truncatingIfNeeded: e & Self.slotMask) - 1
                    if body(slot, UInt32(truncatingIfNeeded: (e >> Self.tagShift) & Self.tagMask)) { return slot }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Removes the entry (token `hi`, `window`, `slot`); false if it was not there.
    @discardableResult
    mutating func remove(_ hi: UInt64, window: UInt32, slot: UInt32) -> Bool {
        let fp = Self.fingerprint(hi)
        let want = fp << Self.fingerprintShift | Self.tag(window) << Self.tagShift | UInt64(slot + 1)
        let mask = self.mask
        let removed = buckets.withUnsafeMutableBufferPointer { b -> Bool in
            var i = Self.home(fp, mask)
            while b[i] != want {
                if b[i] == 0 { return false }
                i = (i + 1) & mask
            }
            // Backward shift: pull later entries of the run into the hole when their home allows it.
            var hole = i
            var j = (i + 1) & mask
            while b[j] != 0 {
                let h = Self.home(b[j] >> Self.fingerprintShift, mask)
                // Move j into the hole unless its home lies cyclically in (hole, j].
                let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
                if !inRange {
                    b[hole] = b[j]
                    hole = j
                }
                j = (j + 1) & mask
            }
            b[hole] = 0
            return true
        }
        if removed { count -= 1 }
        return removed
    }

    /// Drops every entry whose window tag is in `tags` (bit t = tag t) in one sequential sweep.
    ///
    /// Starting just after an empty bucket, each bucket is emptied and its entry, if kept, placed
    /// again from its home: everything between its home and its old bucket has already been
    /// swept, so it lands at or before where it was and no run is ever broken.
    mutating func removeAll(tags: UInt16) {
        guard count > 0 else { return }
        var removed = 0
        let mask = self.mask
        buckets.withUnsafeMutableBufferPointer { b in
            var start = 0
            while b[start] != 0 { start += 1 }  // there is one: the table is at most half full
            for step in 1...b.count {
                let i = (start + step) & mask
                let e = b[i]
                if e == 0 { continue }
                b[i] = 0
                if tags & (1 << UInt16(truncatingIfNeeded: (e >> Self.tagShift) & Self.tagMask)) != 0 {
                    removed += 1
                } else {
                    Self.place(e, in: b, mask)
                }
            }
        }
        count -= removed
    }

    private mutating func rehash(_ capacity: Int) {
        let old = buckets
        buckets = Self.zeroed(capacity)
        mask = capacity - 1
        let mask = self.mask
        buckets.withUnsafeMutableBufferPointer { b in
            for e in old where e != 0 { Self.place(e, in: b, mask) }
        }
    }
}
