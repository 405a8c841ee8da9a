import WelkomCore

/// An advertisement's AD structures: iterate them, or pull out the evidence a recogniser can
/// match (docs/identifiers.md: a WLK1 frame, an Eddystone-EID frame, an iBeacon or AltBeacon).
///
/// The evidence scan runs on every report the radio hears, so it is pure, allocation-free and
/// `@inlinable` (it specialises into the caller): one pass over `[len][type][data]`, a structure
/// whose length overruns the data ends the pass with an error and keeps what came before it.
/// A zero length byte ends the significant part (the rest is padding), as the spec says.
public struct AdvertisingData: Sequence, Sendable {
    public var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public func makeIterator() -> ADStructureIterator { ADStructureIterator(bytes) }

    /// All structures, or the overrun that cut them short (with what parsed before it).
    public func structures() -> (structures: [ADStructure], overrun: AdvertisingDataError?) {
        var it = makeIterator()
        var out: [ADStructure] = []
        while let s = it.next() { out.append(s) }
        return (out, it.error)
    }

    // MARK: Evidence

    /// The WLK1, EID or static-beacon frame in `adData`, if any; otherwise `.other`.
    /// Structures before an overrun count; the overrun itself is ignored here (see `scan`).
    @inlinable
    public static func evidence<C: Collection>(in adData: C) -> Evidence where C.Element == UInt8 {
        scan(adData).evidence
    }

    /// Evidence and overrun in one pass.
    @inlinable
    public static func scan<C: Collection>(_ adData: C) -> AdvertisingDataScan where C.Element == UInt8 {
        if let result = adData.withContiguousStorageIfAvailable({ scan(buffer: $0) }) { return result }
        return Array(adData).withUnsafeBufferPointer { scan(buffer: $0) }
    }

    /// The WLK1 manufacturer-specific structure: length 0x15, type 0xFF, company id (LE),
    /// frame type 0x57 'W', version 0x01, 16-byte token.
    @usableFromInline static let wlk1StructureLength = 0x15
    @usableFromInline static let wlk1FrameType: UInt8 = 0x57
    @usableFromInline static let wlk1Version: UInt8 = 0x01
    /// Eddystone: service data (0x16) for UUID 0xFEAA (on air AA FE); the EID frame is type 0x30,
    /// TX power, 8-byte EID — a structure of length 0x0D.
    @usableFromInline static let serviceData: UInt8 = 0x16
    @usableFromInline static let eidStructureLength = 0x0D
    @usableFromInline static let eidFrameType: UInt8 = 0x30
    /// Apple iBeacon: 0xFF, company 0x004C (4C 00), 02 15, UUID(16), major(2), minor(2), TX power — length 0x1A.
    @usableFromInline static let iBeaconStructureLength = 0x1A
    /// AltBeacon: 0xFF, any company, BE AC, beacon ID (20), reference RSSI, reserved — length 0x1B.
    @usableFromInline static let altBeaconStructureLength = 0x1B

    /// One pass; the first WLK1 frame wins, else the first EID, else the first static identifier
    /// (a WLK1 token or EID is the customer's own choice; a static beacon may be the store's).
    /// Allocation-free except for an AltBeacon ID (the vocabulary keeps it as an array).
    @inlinable
    public static func scan(buffer p: UnsafeBufferPointer<UInt8>) -> AdvertisingDataScan {
        let n = p.count
        var i = 0
        var evidence = Evidence.other
        // 0 nothing, 1 static, 2 EID, 3 WLK1: a later structure replaces only a weaker one.
        var rank = 0
        while i < n {
            let length = Int(p[i])
            if length == 0 { break }
            guard length <= n - i - 1 else {
                return AdvertisingDataScan(evidence: evidence, overrun: AdvertisingDataError(offset: i, declaredLength: length, available: n - i - 1))
            }
            let type = p[i + 1]
            if rank < 3, type == ADStructure.manufacturerSpecific {
                if length == wlk1StructureLength, p[i + 4] == wlk1FrameType, p[i + 5] == wlk1Version {
                    let company = UInt16(p[i + 2]) | UInt16(p[i + 3]) << 8
                    evidence = .wlk1(companyID: company, token: Block128(hi: bigEndian64(p, i + 6), lo: bigEndian64(p, i + 14)))
                    rank = 3
                } else if rank < 1, length == iBeaconStructureLength, p[i + 2] == 0x4C, p[i + 3] == 0x00,
                          p[i + 4] == 0x02, p[i + 5] == 0x15 {
                    let uuid = Block128(hi: bigEndian64(p, i + 6), lo: bigEndian64(p, i + 14))
                    let major = UInt16(p[i + 22]) << 8 | UInt16(p[i + 23])
                    let minor = UInt16(p[i + 24]) << 8 | UInt16(p[i + 25])
                    evidence = .staticIdentifier(.iBeacon(uuid: uuid, major: major, minor: minor))
                    rank = 1
                } else if rank < 1, length == altBeaconStructureLength, p[i + 4] == 0xBE, p[i + 5] == 0xAC {
                    evidence = .staticIdentifier(.altBeacon(id: Array(UnsafeBufferPointer(rebasing: p[(i + 6)..<(i + 26)]))))
                    rank = 1
                }
            } else if rank < 2, type == serviceData, length == eidStructureLength, p[i + 2] == 0xAA, p[i + 3] == 0xFE,
                      p[i + 4] == eidFrameType {
                evidence = .eid(bigEndian64(p, i + 6))
                rank = 2
            }
            i += 1 + length
        }
        return AdvertisingDataScan(evidence: evidence, overrun: nil)
    }

    @inlinable @inline(__always)
    static func bigEndian64(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v = v << 8 | UInt64(p[at + k]) }
        return v
    }
}
