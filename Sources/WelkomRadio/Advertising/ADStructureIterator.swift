/// Walks `[len][type][data]` structures. Stops at the end, at a zero length (padding), or at a
/// structure that overruns the data, leaving `error` set for the last case.
public struct ADStructureIterator: IteratorProtocol, Sendable {
    private let bytes: ArraySlice<UInt8>
    private var index: Int
    public private(set) var error: AdvertisingDataError?

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    public mutating func next() -> ADStructure? {
        guard error == nil, index < bytes.endIndex else { return nil }
        let length = Int(bytes[index])
        if length == 0 { index = bytes.endIndex; return nil }
        let available = bytes.endIndex - index - 1
        guard length <= available else {
            error = AdvertisingDataError(offset: index - bytes.startIndex, declaredLength: length, available: available)
            return nil
        }
        let structure = ADStructure(type: bytes[index + 1], data: bytes[(index + 2)..<(index + 1 + length)], offset: index - bytes.startIndex)
        index += 1 + length
        return structure
    }
}
