import CWelkomAES

/// A compact open-addressing hash table from a 40-bit fingerprint to a 24-bit customer slot,
/// both packed into one UInt64 per bucket (0 = empty): 8 bytes an entry, at most half full,
/// so 16 bytes per entry — a Swift Dictionary of the same spends about three times that.
///
/// A fingerprint is not the identifier: several entries may share one, and a lookup only yields
/// *candidates* that the caller verifies against the real key material (recomputing the token,
/// comparing the ID). So a stranger whose token happens to share 40 bits with a customer's is
/// still not recognised. Linear probing with backward-shift deletion keeps lookups short
/// without tombstones; the fingerprints are AES outputs or SipHash values, so they spread evenly.
struct PackedTable: Sendable {
    static let slotBits: UInt64 = 24
    static let slotMask: UInt64 = (1 << 24) - 1
    /// Slot values are stored + 1 so that 0 can mean empty; the largest slot is 2^24 − 2.
    static let maximumSlot = UInt32((1 << 24) - 2)

    private(set) var buckets: [UInt64]
    private(set) var count = 0
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity <<= 1 }
        buckets = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
    }

    /// The 40 bits kept of a 64-bit fingerprint source.
    @inline(__always) static func fingerprint(_ x: UInt64) -> UInt64 { x >> 24 }

    @inline(__always) private func home(_ fp: UInt64) -> Int {
        // A multiplicative mix so that the bucket does not use the same bits the caller chose.
        Int(truncatingIfNeeded: (fp &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    var memoryBytes: Int { buckets.capacity * MemoryLayout<UInt64>.stride }

    mutating func insert(_ source: UInt64, slot: UInt32) {
        if (count + 1) * 2 > buckets.count { grow() }
        let fp = Self.fingerprint(source)
        var i = home(fp)
        while buckets[i] != 0 { i = (i + 1) & mask }
        buckets[i] = fp << Self.slotBits | UInt64(slot + 1)
        count += 1
    }

    /// Starts loading the bucket a lookup of `source` begins at (see welkom_prefetch).
    @inline(__always)
    func prefetch(_ source: UInt64) {
        let i = home(Self.fingerprint(source))
        buckets.withUnsafeBufferPointer { welkom_prefetch($0.baseAddress! + i) }
    }

    /// Calls `body` with every slot stored under this fingerprint until it returns true.
    @inline(__always)
    func firstSlot(_ source: UInt64, where body: (UInt32) -> Bool) -> UInt32? {
        let fp = Self.fingerprint(source)
        var i = home(fp)
        return buckets.withUnsafeBufferPointer { b -> UInt32? in
            while true {
                let e = b[i]
                if e == 0 { return nil }
                if e >> Self.slotBits == fp {
                    let slot = UInt32(truncatingIfNeeded: e & Self.slotMask) - 1
                    if body(slot) { return slot }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Removes the entry (fingerprint of `source`, `slot`); false if it was not there.
    @discardableResult
    mutating func remove(_ source: UInt64, slot: UInt32) -> Bool {
        let want = Self.fingerprint(source) << Self.slotBits | UInt64(slot + 1)
        var i = home(Self.fingerprint(source))
        while buckets[i] != want {
            if buckets[i] == 0 { return false }
            i = (i + 1) & mask
        }
        // Backward shift: pull later entries of the run into the hole when their home allows it.
        var hole = i
        var j = (i + 1) & mask
        while buckets[j] != 0 {
            let h = home(buckets[j] >> Self.slotBits)
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange {
                buckets[hole] = buckets[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
        return true
    }

    private mutating func grow() {
        let old = buckets
        buckets = [UInt64](repeating: 0, count: old.count * 2)
        mask = buckets.count - 1
        for e in old where e != 0 {
            var i = home(e >> Self.slotBits)
            while buckets[i] != 0 { i = (i + 1) & mask }
            buckets[i] = e
        }
    }
}
