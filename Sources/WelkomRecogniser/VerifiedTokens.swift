import WelkomCore

/// WLK1 tokens the recogniser has already verified with AES, so that the next sighting of the
/// same token skips the key schedule: a fob repeats one token for a whole 10-minute window, several
/// times a second, so nearly every hit in a shop is a repeat.
///
/// Direct-mapped by the token's low bits, fixed size (128 KiB), in memory only. It holds only real
/// tokens of enrolled customers (an entry is written after the AES check passed), and an entry
/// counts only for the very token (all 128 bits), slot, window and slot generation it was verified
/// for: a withdrawal or key change bumps the generation, so a stale entry can never match.
struct VerifiedTokens: Sendable {
    struct Entry: Sendable {
        var token = Block128(hi: 0, lo: 0)
        var slot = UInt32.max
        var generation: UInt32 = 0
        var window: UInt32 = 0
    }

    static let capacity = 4096
    private var entries = [Entry](repeating: Entry(), count: capacity)

    var memoryBytes: Int { entries.capacity * MemoryLayout<Entry>.stride }

    @inline(__always) private static func index(_ token: Block128) -> Int { Int(truncatingIfNeeded: token.lo) & (capacity - 1) }

    /// True if exactly this token was verified for this slot, generation and window.
    @inline(__always)
    func contains(_ token: Block128, slot: UInt32, generation: UInt32, window: UInt32) -> Bool {
        entries.withUnsafeBufferPointer { e in
            let x = e[Self.index(token)]
            return x.slot == slot && x.token == token && x.window == window && x.generation == generation
        }
    }

    mutating func insert(_ token: Block128, slot: UInt32, generation: UInt32, window: UInt32) {
        entries[Self.index(token)] = Entry(token: token, slot: slot, generation: generation, window: window)
    }

    mutating func removeAll() {
        entries = [Entry](repeating: Entry(), count: Self.capacity)
    }
}
