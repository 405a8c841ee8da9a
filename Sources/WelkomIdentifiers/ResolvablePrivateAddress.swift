import WelkomCore

/// Resolvable private addresses (Bluetooth Core Vol 3 Part H §2.2.2; docs/identifiers.md, RPAs):
///     ah(IRK, prand) = AES-128(IRK, 00×13 ‖ prand)[13..<16]      (the lowest 24 bits)
///     address        = prand(24 bits, top two bits 01) ‖ ah(IRK, prand)
/// The hash is only 24 bits: with N enrolled IRKs a stranger's address matches one by chance with
/// probability ≈ N / 2^24, which `falseMatchChance` gives and the recogniser bounds.
public enum ResolvablePrivateAddress {
    public static func plaintext(prand: UInt32) -> Block128 {
        Block128(hi: 0, lo: UInt64(prand & 0xFF_FFFF))
    }

    public static func ah(irk: Block128, prand: UInt32) -> UInt32 {
        UInt32(truncatingIfNeeded: AES128.encrypt(plaintext(prand: prand), key: irk).lo) & 0xFF_FFFF
    }

    /// Whether `address` is an RPA made with `irk`.
    public static func resolves(_ address: DeviceAddress, irk: Block128) -> Bool {
        address.isResolvablePrivate && ah(irk: irk, prand: address.prand) == address.hash
    }

    /// The RPA for `irk` and a prand (its top two bits are forced to 01, as the spec requires).
    public static func address(irk: Block128, prand: UInt32) -> DeviceAddress {
        let p = prand & 0x3F_FFFF | 0x40_0000
        return DeviceAddress(value: UInt64(p) << 24 | UInt64(ah(irk: irk, prand: p)), isRandom: true)
    }

    /// The chance that a random RPA matches one of `enrolledIRKs` keys: N / 2^24 (union bound).
    public static func falseMatchChance(enrolledIRKs n: Int) -> Double {
        Double(max(0, n)) / Double(1 << 24)
    }
}
