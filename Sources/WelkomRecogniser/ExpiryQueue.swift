/// Consents that lapse on their own, earliest first (a binary min-heap), so the recogniser drops
/// each at its expiry without scanning everyone. Entries are checked against the slot's
/// generation when they come due: a customer re-enrolled or withdrawn since leaves a stale entry
/// that is simply discarded.
struct ExpiryQueue: Sendable {
    struct Item: Sendable {
        var milliseconds: Int64
        var slot: UInt32
        var generation: UInt32
    }

    private var heap: [Item] = []

    var count: Int { heap.count }
    var earliest: Int64? { heap.first?.milliseconds }
    var memoryBytes: Int { heap.capacity * MemoryLayout<Item>.stride }

    mutating func push(_ item: Item) {
        heap.append(item)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].milliseconds < heap[parent].milliseconds else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest item if it is due at `nowMs` (expiry is exclusive:
    /// a consent expiring at `nowMs` is no longer active).
    mutating func popDue(nowMs: Int64) -> Item? {
        guard let first = heap.first, first.milliseconds <= nowMs else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && heap[l].milliseconds < heap[m].milliseconds { m = l }
                if r < heap.count && heap[r].milliseconds < heap[m].milliseconds { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first
    }

    mutating func removeAll() { heap.removeAll() }
}
