import WelkomCore
import struct Foundation.Date

/// Eddystone-EID (docs/identifiers.md, Eddystone-EID; google/eddystone eddystone-eid/eid-computation.md).
///
/// A beacon holds a 16-byte identity key and a rotation exponent K (0…15); its 32-bit time counter
/// counts seconds from the moment the beacon was provisioned (`epoch`, Unix time). Every 2^K
/// seconds it broadcasts a new 8-byte EID:
///     tempKey = AES-128(identityKey, 00×11 ‖ FF ‖ 00 00 ‖ uint16_be(counter >> 16))
///     eid     = AES-128(tempKey, 00×11 ‖ K ‖ uint32_be(counter with its K low bits cleared))[0..<8]
/// The temporary key changes only every 2^16 s (≈ 18 h), so a resolver caches it.
public enum EddystoneEID {
    public static let maximumExponent: UInt8 = 15

    /// The beacon's time counter at `unixSeconds`, nil before its epoch or beyond 32 bits.
    public static func counter(unixSeconds: Int64, epoch: Int64) -> UInt32? {
        let (c, overflow) = unixSeconds.subtractingReportingOverflow(epoch)
        guard !overflow else { return nil }
        return UInt32(exactly: c)
    }

    public static func tempKeyPlaintext(counter: UInt32) -> Block128 {
        Block128(hi: 0, lo: 0xFF << 32 | UInt64(counter >> 16))
    }

    public static func eidPlaintext(counter: UInt32, exponent: UInt8) -> Block128 {
        let k = UInt32(min(exponent, maximumExponent))
        let masked = counter & ~((1 << k) - 1)
        return Block128(hi: 0, lo: UInt64(k) << 32 | UInt64(masked))
    }

    public static func tempKey(identityKey: Block128, counter: UInt32) -> Block128 {
        AES128.encrypt(tempKeyPlaintext(counter: counter), key: identityKey)
    }

    /// The 8-byte EID, most significant byte first.
    public static func eid(identityKey: Block128, exponent: UInt8, counter: UInt32) -> UInt64 {
        eid(tempKey: tempKey(identityKey: identityKey, counter: counter), exponent: exponent, counter: counter)
    }

    public static func eid(tempKey: Block128, exponent: UInt8, counter: UInt32) -> UInt64 {
        AES128.encrypt(eidPlaintext(counter: counter, exponent: exponent), key: tempKey).hi
    }

    /// The EID a registered beacon broadcasts at `time`, nil outside its counter's range.
    public static func eid(_ r: EIDRegistration, at time: Date) -> UInt64? {
        guard r.exponent <= maximumExponent, time.timeIntervalSince1970.isFinite,
              let c = counter(unixSeconds: Int64(time.timeIntervalSince1970.rounded(.down)), epoch: r.epoch) else { return nil }
        return eid(identityKey: r.identityKey, exponent: r.exponent, counter: c)
    }

    /// The frame's advertising payload (flags, service UUID list 0xFEAA, service data frame 0x30).
    public static func advertisingPayload(eid: UInt64, txPower: Int8 = -20) -> [UInt8] {
        [0x02, 0x01, 0x06, 0x03, 0x03, 0xAA, 0xFE, 0x0D, 0x16, 0xAA, 0xFE, 0x30, UInt8(bitPattern: txPower)]
            + (0..<8).map { UInt8(truncatingIfNeeded: eid >> (56 - 8 * UInt64($0))) }
    }
}
