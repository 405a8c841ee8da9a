import WelkomIdentifiers

/// Invariant 8, the RPA confirmation rule. With N IRKs enrolled a stranger's RPA matches one by
/// chance with p ≈ N/2^24. While p exceeds the configured bound an RPA match alone is not a
/// recognition: it needs a WLK1 token from the same device address, or a card, of the same
/// customer within an RPA lifetime (after which the device has a new address anyway).
///
/// Holds, per customer slot, the latest such confirmation: its time and the address the token
/// came from. In memory only, and bounded.
struct RPAConfirmations: Sendable {
    private struct Confirmation: Sendable {
        var milliseconds: Int64
        /// The device address the WLK1 token came from; nil for a card (any of their devices).
        var address: UInt64?
    }

    /// Beyond this many, stale confirmations are swept out.
    static let sweepAbove = 4096

    private var latest: [UInt32: Confirmation] = [:]

    /// Whether an RPA match alone is not enough with this many IRKs under this bound.
    static func needed(enrolledIRKs: Int, bound: Double) -> Bool {
        ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: enrolledIRKs) > bound
    }

    var memoryBytes: Int { MemoryFootprint.of(latest) }

    /// A WLK1 token (from `address`) or a card (`address` nil) of the customer in `slot` at `nowMs`.
    mutating func note(_ slot: UInt32, nowMs: Int64, address: UInt64?) {
        latest[slot] = Confirmation(milliseconds: nowMs, address: address)
        if latest.count > Self.sweepAbove {
            latest = latest.filter { nowMs - $0.value.milliseconds < RPACache.lifetimeMilliseconds }
        }
    }

    /// Whether an RPA from `address` resolving to `slot` at `nowMs` is confirmed.
    func confirms(_ slot: UInt32, nowMs: Int64, address: UInt64) -> Bool {
        guard let c = latest[slot] else { return false }
        return nowMs >= c.milliseconds && nowMs - c.milliseconds < RPACache.lifetimeMilliseconds
            && (c.address == nil || c.address == address)
    }

    mutating func remove(slot: UInt32) { latest[slot] = nil }
}
