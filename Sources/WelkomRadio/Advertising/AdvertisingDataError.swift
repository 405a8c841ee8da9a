/// An AD structure whose length runs past the end of the advertising data. Structures before it
/// stand; it and anything after it are ignored.
public struct AdvertisingDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Offset of the bad structure's length byte.
    public var offset: Int
    public var declaredLength: Int
    /// Bytes left after the length byte.
    public var available: Int

    public init(offset: Int, declaredLength: Int, available: Int) {
        self.offset = offset
        self.declaredLength = declaredLength
        self.available = available
    }

    public var description: String {
        "AD structure at offset \(offset) declares \(declaredLength) bytes but only \(available) remain; ignored from there"
    }
}
