import WelkomCore

/// Customers ↔ slots: each loaded consent holds one slot, a small integer the scheme indexes map
/// identifiers to. Struct of arrays, a few bytes per customer per field. A released slot is
/// wiped at once (key material goes now, not when the slot is reused) and its generation bumped,
/// so anything still naming the old occupant (an expiry, a cached answer) can tell.
struct SlotTable: Sendable {
    /// Slot values are packed into 24 bits by the indexes (see PackedTable, TokenTable).
    static let maximumSlot = PackedTable.maximumSlot

    private var ids: [CustomerID] = []
    private var live: [Bool] = []
    /// Exclusive: a consent expiring at t is no longer active at t.
    private var expiresMs: [Int64] = []
    private var generations: [UInt32] = []
    /// A digest of the consent each slot was loaded from, so a reconcile touches only what changed.
    private var digests: [Int] = []
    private var freeSlots: [UInt32] = []
    private var idIndex = PackedTable()
    private var expiries = ExpiryQueue()
    private(set) var count = 0

    /// Slots ever handed out (live or free): every slot is below this.
    var slotCount: Int { ids.count }

    var memoryBytes: Int {
        MemoryFootprint.of(ids) + MemoryFootprint.of(live) + MemoryFootprint.of(expiresMs)
            + MemoryFootprint.of(generations) + MemoryFootprint.of(digests) + MemoryFootprint.of(freeSlots)
            + idIndex.memoryBytes + expiries.memoryBytes
    }

    /// Makes room for `n` customers, on huge pages where a hit reads (see HugePages).
    mutating func reserve(_ n: Int) {
        ids.reserveCapacity(n); live.reserveCapacity(n); expiresMs.reserveCapacity(n)
        generations.reserveCapacity(n); digests.reserveCapacity(n)
        HugePages.advise(&ids); HugePages.advise(&live); HugePages.advise(&expiresMs)
        idIndex = PackedTable(minimumCapacity: n)
    }

    /// After a bulk load: the arrays a hit reads, now filled, onto huge pages.
    mutating func collapseHugePages() {
        HugePages.collapse(&ids); HugePages.collapse(&live); HugePages.collapse(&expiresMs)
    }

    /// A slot for this customer (who must not hold one already); nil when all 2^24 − 1 are taken.
    mutating func allocate(_ customer: CustomerID, expiresMs expiry: Int64, digest: Int) -> UInt32? {
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            guard ids.count <= Int(Self.maximumSlot) else { return nil }
            slot = UInt32(ids.count)
            ids.append(""); live.append(false); expiresMs.append(.max); generations.append(0); digests.append(0)
        }
        let i = Int(slot)
        ids[i] = customer
        live[i] = true
        expiresMs[i] = expiry
        digests[i] = digest
        idIndex.insert(Self.idSource(customer), slot: slot)
        count += 1
        if expiry != .max { expiries.push(.init(milliseconds: expiry, slot: slot, generation: generations[i])) }
        return slot
    }

    /// Frees a live slot, wiping what it held.
    mutating func release(_ slot: UInt32) {
        let i = Int(slot)
        guard live[i] else { return }
        idIndex.remove(Self.idSource(ids[i]), slot: slot)
        ids[i] = ""
        live[i] = false
        expiresMs[i] = .max
        digests[i] = 0
        generations[i] &+= 1
        freeSlots.append(slot)
        count -= 1
    }

    /// The next live slot whose consent has lapsed at `nowMs`, taken off the expiry queue.
    mutating func popExpired(nowMs: Int64) -> UInt32? {
        while let due = expiries.popDue(nowMs: nowMs) {
            let i = Int(due.slot)
            if i < generations.count, generations[i] == due.generation, live[i] { return due.slot }
        }
        return nil
    }

    @inline(__always)
    func isLive(_ slot: UInt32) -> Bool {
        let i = Int(slot)
        return i < live.count && live[i]
    }

    /// Live and not yet expired at `nowMs`.
    @inline(__always)
    func isActive(_ slot: UInt32, nowMs: Int64) -> Bool {
        let i = Int(slot)
        return i < live.count && live[i] && nowMs < expiresMs[i]
    }

    func customer(at slot: UInt32) -> CustomerID { ids[Int(slot)] }
    func digest(at slot: UInt32) -> Int { digests[Int(slot)] }

    /// The live slot of this customer, if any.
    func slot(of customer: CustomerID) -> UInt32? {
        idIndex.firstSlot(Self.idSource(customer)) { ids[Int($0)] == customer && live[Int($0)] }
    }

    private static func idSource(_ id: CustomerID) -> UInt64 {
        var h = Hasher()
        h.combine(id)
        return UInt64(bitPattern: Int64(h.finalize()))
    }
}
