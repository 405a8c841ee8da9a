/// What the recogniser remembers about recently seen resolvable private addresses, so that a
/// phone advertising ten times a second costs one set of IRK trials per address, not ten.
///
/// Memory only, bounded (a fixed number of entries, set-associative: a new address evicts the
/// oldest entry of its set) and forgetful (an entry older than an RPA's lifetime is ignored).
/// It holds no address: entries are tagged with a SipHash of the address under this process's
/// random seed, so even a memory dump does not list the strangers who walked past. A positive
/// entry only names a candidate slot; the recogniser re-checks it with that one IRK, so a tag
/// collision cannot make a stranger into a customer.
struct RPACache: Sendable {
    /// Core spec's default RPA timeout is 15 minutes; after that the device has a new address anyway.
    static let lifetimeMilliseconds: Int64 = 15 * 60 * 1000
    static let ways = 4
    static let negative = UInt32.max

    private struct Entry: Sendable {
        var tag: UInt64 = 0
        var timeMs: Int64 = .min
        /// The IRK owner's customer slot, or `negative`.
        var slot: UInt32 = RPACache.negative
        var generation: UInt32 = 0
    }

    private var entries: [Entry]
    private let setMask: Int
    let capacity: Int

    /// `capacity` is rounded up to a power of two, at least `ways`.
    init(capacity: Int = 16_384) {
        var c = Self.ways
        while c < capacity { c <<= 1 }
        self.capacity = c
        entries = [Entry](repeating: Entry(), count: c)
        setMask = c / Self.ways - 1
    }

    var memoryBytes: Int { entries.capacity * MemoryLayout<Entry>.stride }

    static func tag(_ address: UInt64) -> UInt64 {
        var h = Hasher()
        h.combine(address)
        // 0 marks an unused entry.
        return UInt64(bitPattern: Int64(h.finalize())) | 1
    }

    enum Answer: Equatable { case unknown, negative, candidate(slot: UInt32, generation: UInt32) }

    func lookup(_ address: UInt64, nowMs: Int64) -> Answer {
        let tag = Self.tag(address)
        let base = (Int(truncatingIfNeeded: tag >> 8) & setMask) * Self.ways
        for w in 0..<Self.ways {
            let e = entries[base + w]
            guard e.tag == tag, nowMs >= e.timeMs, nowMs - e.timeMs < Self.lifetimeMilliseconds else { continue }
            return e.slot == Self.negative ? .negative : .candidate(slot: e.slot, generation: e.generation)
        }
        return .unknown
    }

    mutating func store(_ address: UInt64, nowMs: Int64, slot: UInt32 = negative, generation: UInt32 = 0) {
        let tag = Self.tag(address)
        let base = (Int(truncatingIfNeeded: tag >> 8) & setMask) * Self.ways
        var victim = base
        for w in 0..<Self.ways {
            let i = base + w
            if entries[i].tag == tag { victim = i; break }
            if entries[i].timeMs < entries[victim].timeMs { victim = i }
        }
        entries[victim] = Entry(tag: tag, timeMs: nowMs, slot: slot, generation: generation)
    }

    /// Forgets everything (the set of IRKs changed: a negative answer may be wrong now).
    mutating func clear() {
        for i in entries.indices { entries[i] = Entry() }
    }

    /// How many entries are live at `nowMs` (for tests and diagnostics).
    func liveCount(nowMs: Int64) -> Int {
        entries.reduce(0) { $0 + ($1.tag != 0 && nowMs >= $1.timeMs && nowMs - $1.timeMs < Self.lifetimeMilliseconds ? 1 : 0) }
    }
}
