/// One AD structure (Core Specification Supplement Part A): `[length][type][data]`.
public struct ADStructure: Sendable, Equatable {
    /// AD type: 0x01 flags, 0x03 16-bit service UUIDs, 0x16 service data, 0xFF manufacturer data, …
    public var type: UInt8
    /// The structure's data after the type byte (a slice of the advertising data, no copy).
    public var data: ArraySlice<UInt8>
    /// Offset of the length byte within the advertising data.
    public var offset: Int

    public init(type: UInt8, data: ArraySlice<UInt8>, offset: Int) {
        self.type = type
        self.data = data
        self.offset = offset
    }

    public static let flags: UInt8 = 0x01
    public static let manufacturerSpecific: UInt8 = 0xFF
}
