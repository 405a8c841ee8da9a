/// A 16-byte value (an AES block, a WLK1 token, a 128-bit key) held as two words so that it
/// hashes and compares in a couple of instructions: the recogniser's tables are keyed by it.
/// Byte order: `hi` holds bytes 0…7 most significant first, as the specs print them.
public struct Block128: Hashable, Sendable, Comparable {
    public var hi: UInt64
    public var lo: UInt64

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    /// Reads 16 bytes, the first byte most significant. Returns nil unless exactly 16 bytes.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { hi = hi << 8 | UInt64(b) } else { lo = lo << 8 | UInt64(b) }
        }
        self.init(hi: hi, lo: lo)
    }

    /// Parses 32 hex digits (most significant byte first). Returns nil on anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), let v = Block128(bytes: bytes) else { return nil }
        self = v
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: hi >> (56 - 8 * UInt64(i)))
            out[8 + i] = UInt8(truncatingIfNeeded: lo >> (56 - 8 * UInt64(i)))
        }
        return out
    }

    public var hex: String { Hex.encode(bytes) }

    public static func < (a: Block128, b: Block128) -> Bool {
        a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo
    }
}
