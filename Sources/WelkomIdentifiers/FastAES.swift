import CWelkomAES
import WelkomCore

/// The recogniser's AES core (the C target CWelkomAES): AES-NI on x86-64, the ARMv8 crypto
/// extensions on arm64, chosen at run time, a portable fallback everywhere. `AES128` (swift-crypto)
/// stays the reference for single blocks; this is for bulk work, where swift-crypto's per-call
/// key object dominates (README, Performance: ≈ 0.5 µs per block there against a few ns here).
///
/// Every entry point takes an `implementation` so that the tests can hold each one against the
/// spec vectors; callers leave it at `.best`.
public enum FastAES {
    public enum Implementation: Sendable, CaseIterable, CustomStringConvertible {
        case portable, x86AESNI, armv8

        public var c: welkom_aes_impl {
            switch self {
            case .portable: WELKOM_AES_PORTABLE
            case .x86AESNI: WELKOM_AES_X86_AESNI
            case .armv8: WELKOM_AES_ARMV8
            }
        }

        /// Whether this CPU runs it (the portable one always).
        public var isAvailable: Bool { welkom_aes_available(c) != 0 }
        public var description: String { String(cString: welkom_aes_name(c)) }
    }

    /// What this CPU runs fastest; detected once.
    public static let best: Implementation = {
        let b = welkom_aes_best()
        return b == WELKOM_AES_X86_AESNI ? .x86AESNI : b == WELKOM_AES_ARMV8 ? .armv8 : .portable
    }()

    public static let scheduleBytes = 176

    /// One block under one key.
    public static func encrypt(_ block: Block128, key: Block128, implementation: Implementation = best) -> Block128 {
        var out = Block128(hi: 0, lo: 0)
        encrypt(keys: [key], block: block, implementation: implementation) { out = $0[0] }
        return out
    }

    /// `block` under each of `keys`; hands the results to `body` (no intermediate array per key).
    public static func encrypt(keys: [Block128], block: Block128, implementation: Implementation = best,
                               _ body: (UnsafeBufferPointer<Block128>) -> Void) {
        let keyBytes = keys.map(\.wire)
        var plain = block.wire
        var out = [Wire128](repeating: Wire128(), count: keys.count)
        keyBytes.withUnsafeBytes { k in
            withUnsafeBytes(of: &plain) { p in
                out.withUnsafeMutableBytes { o in
                    welkom_aes128_encrypt_keys(implementation.c, k.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                               keys.count, p.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                               o.baseAddress?.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        let blocks = out.map(\.block)
        blocks.withUnsafeBufferPointer(body)
    }

    /// The expanded schedule of `key` (176 bytes), for `encryptBlocks` and RPA trials.
    public static func schedule(_ key: Block128, implementation: Implementation = best) -> [UInt8] {
        var k = key.wire
        var out = [UInt8](repeating: 0, count: scheduleBytes)
        withUnsafeBytes(of: &k) { kp in
            out.withUnsafeMutableBufferPointer { o in
                welkom_aes128_expand(implementation.c, kp.baseAddress!.assumingMemoryBound(to: UInt8.self), o.baseAddress!)
            }
        }
        return out
    }

    /// Blocks (16 bytes each, concatenated) under one expanded schedule.
    public static func encryptBlocks(_ input: [UInt8], schedule: [UInt8], implementation: Implementation = best) -> [UInt8] {
        precondition(schedule.count == scheduleBytes && input.count % 16 == 0, "FastAES.encryptBlocks: bad sizes")
        var out = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                welkom_aes128_encrypt_blocks(implementation.c, schedule, i.baseAddress, o.baseAddress, input.count / 16)
            }
        }
        return out
    }

    /// The same block under each of several expanded schedules (176 bytes apart).
    public static func encrypt(schedules: [UInt8], block: Block128, implementation: Implementation = best) -> [Block128] {
        let n = schedules.count / scheduleBytes
        var plain = block.wire
        var out = [Wire128](repeating: Wire128(), count: n)
        withUnsafeBytes(of: &plain) { p in
            out.withUnsafeMutableBytes { o in
                welkom_aes128_encrypt_schedules(implementation.c, schedules, n, p.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                o.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
        }
        return out.map(\.block)
    }

    /// The first IRK schedule in `start..<count` under which `ah(irk, prand) == hash`, or nil.
    public static func findRPA(schedules: UnsafeBufferPointer<UInt8>, from start: Int = 0, prand: UInt32, hash: UInt32,
                               implementation: Implementation = best) -> Int? {
        let n = schedules.count / scheduleBytes
        guard start < n, let base = schedules.baseAddress else { return nil }
        let r = welkom_rpa_find(implementation.c, base, start, n, prand & 0xFF_FFFF, hash & 0xFF_FFFF)
        return r < 0 ? nil : r
    }
}

/// A Block128 as the 16 bytes the C core reads, most significant first.
public struct Wire128: Sendable {
    public var hi: UInt64 = 0
    public var lo: UInt64 = 0
    public init() {}
    public init(_ b: Block128) { hi = b.hi.bigEndian; lo = b.lo.bigEndian }
    public var block: Block128 { Block128(hi: UInt64(bigEndian: hi), lo: UInt64(bigEndian: lo)) }
}

extension Block128 {
    /// The 16 bytes most significant first, stored inline (no array).
    public var wire: Wire128 { Wire128(self) }
}
