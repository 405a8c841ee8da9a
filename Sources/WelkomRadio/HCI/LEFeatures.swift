/// The controller's LE feature set from HCI_LE_Read_Local_Supported_Features (Core spec Vol 6
/// Part B §4.6), little-endian on air, bit n = feature n.
public struct LEFeatures: OptionSet, Sendable, Hashable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let encryption = LEFeatures(rawValue: 1 << 0)
    public static let extendedScannerFilterPolicies = LEFeatures(rawValue: 1 << 7)
    public static let le2MPHY = LEFeatures(rawValue: 1 << 8)
    public static let leCodedPHY = LEFeatures(rawValue: 1 << 11)
    /// Extended advertising and scanning: the LE Set Extended Scan commands and Extended
    /// Advertising Reports.
    public static let extendedAdvertising = LEFeatures(rawValue: 1 << 12)
    public static let periodicAdvertising = LEFeatures(rawValue: 1 << 13)

    /// From the return parameters of the Command Complete (status, then 8 feature bytes).
    init?(returnParameters p: ArraySlice<UInt8>) {
        guard p.count >= 9 else { return nil }
        var value: UInt64 = 0
        for (i, b) in p.dropFirst().prefix(8).enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        self.init(rawValue: value)
    }
}
