/// A Bluetooth device address as an advertiser sends it: 48 bits and whether it is public or
/// random. Random addresses split further by their top two bits (Core spec Vol 6 Part B §1.3):
/// `01` resolvable private (an RPA, resolvable with the device's IRK), `11` static, `00`
/// non-resolvable.
///
/// An address is personal data (docs/privacy-invariants.md): like a sighting, it never prints its value.
/// `formatted` exists only for `welkom scan --show-identifiers`.
public struct DeviceAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 48 bits, most significant byte first as addresses are printed (`70:81:94:0D:FB:AA`
    /// is 0x708194_0DFBAA). HCI carries them little-endian; the radio converts.
    public var value: UInt64
    public var isRandom: Bool

    public init(value: UInt64, isRandom: Bool) {
        self.value = value & 0xFFFF_FFFF_FFFF
        self.isRandom = isRandom
    }

    /// From the six bytes HCI carries, least significant first.
    public init?<C: Collection>(littleEndian bytes: C, isRandom: Bool) where C.Element == UInt8 {
        guard bytes.count == 6 else { return nil }
        var v: UInt64 = 0
        for b in bytes.reversed() { v = v << 8 | UInt64(b) }
        self.init(value: v, isRandom: isRandom)
    }

    /// A random address whose top two bits are 01.
    public var isResolvablePrivate: Bool { isRandom && value >> 46 == 0b01 }
    /// A random address whose top two bits are 11: the same until the device is reset.
    public var isStaticRandom: Bool { isRandom && value >> 46 == 0b11 }
    /// The 24-bit prand of an RPA (its upper half) and the 24-bit hash (its lower half).
    public var prand: UInt32 { UInt32(truncatingIfNeeded: value >> 24) & 0xFF_FFFF }
    public var hash: UInt32 { UInt32(truncatingIfNeeded: value) & 0xFF_FFFF }

    /// `70:81:94:0D:FB:AA`. Personal data: diagnostics with consent only.
    public var formatted: String {
        (0..<6).map { i in
            let byte = UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(i)))
            return Hex.encode([byte]).uppercased()
        }.joined(separator: ":")
    }

    public var description: String {
        isResolvablePrivate ? "DeviceAddress(rpa)" : isStaticRandom ? "DeviceAddress(static)"
            : isRandom ? "DeviceAddress(random)" : "DeviceAddress(public)"
    }
}
