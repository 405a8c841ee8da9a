import WelkomCore

/// An advertisement's AD structures: iterate them, or pull out the evidence a recogniser can
/// match (shared/spec/identifiers.md §1: a WLK1 frame).
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

    /// The WLK1 frame in `adData`, if any, as `.wlk1(companyID:token:)`; otherwise `.other`.
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

    @inlinable
    public static func scan(buffer p: UnsafeBufferPointer<UInt8>) -> AdvertisingDataScan {
        let n = p.count
        var i = 0
        var evidence = Evidence.other
        var found = false
        while i < n {
            let length = Int(p[i])
            if length == 0 { break }
            guard length <= n - i - 1 else {
                return AdvertisingDataScan(evidence: evidence, overrun: AdvertisingDataError(offset: i, declaredLength: length, available: n - i - 1))
            }
            if !found, length == wlk1StructureLength, p[i + 1] == ADStructure.manufacturerSpecific,
               p[i + 4] == wlk1FrameType, p[i + 5] == wlk1Version {
                let company = UInt16(p[i + 2]) | UInt16(p[i + 3]) << 8
                evidence = .wlk1(companyID: company, token: Block128(hi: bigEndian64(p, i + 6), lo: bigEndian64(p, i + 14)))
                found = true
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
