/// The HCI commands a passive scanner sends, encoded as H4 command packets.
/// Intervals and windows are in units of 0.625 ms, as on the wire.
public enum HCICommand: Sendable, Hashable, CustomStringConvertible {
    case reset
    case setEventMask(UInt64)
    case leSetEventMask(UInt64)
    case leReadLocalSupportedFeatures
    /// Legacy: passive (`active: false`) or active scanning, public own address, accept-all policy.
    case leSetScanParameters(active: Bool, interval: UInt16, window: UInt16)
    case leSetScanEnable(enable: Bool, filterDuplicates: Bool)
    /// Extended, on the LE 1M PHY only (advertisers of WLK1 frames use legacy PDUs on 1M).
    case leSetExtendedScanParameters(active: Bool, interval: UInt16, window: UInt16)
    /// Duration and period 0: scan until disabled.
    case leSetExtendedScanEnable(enable: Bool, filterDuplicates: Bool)

    /// The HCI default plus LE Meta (bit 61), without which no LE event reaches the host.
    public static let defaultEventMask: UInt64 = 0x0000_1FFF_FFFF_FFFF | 1 << 61
    /// LE Advertising Report (subevent 0x02 → bit 1) and LE Extended Advertising Report (0x0D → bit 12).
    public static let scanningLEEventMask: UInt64 = 1 << 1 | 1 << 12

    public var opcode: HCIOpcode {
        switch self {
        case .reset: .reset
        case .setEventMask: .setEventMask
        case .leSetEventMask: .leSetEventMask
        case .leReadLocalSupportedFeatures: .leReadLocalSupportedFeatures
        case .leSetScanParameters: .leSetScanParameters
        case .leSetScanEnable: .leSetScanEnable
        case .leSetExtendedScanParameters: .leSetExtendedScanParameters
        case .leSetExtendedScanEnable: .leSetExtendedScanEnable
        }
    }

    /// The command's parameters, little-endian as HCI wants them.
    public var parameters: [UInt8] {
        switch self {
        case .reset, .leReadLocalSupportedFeatures:
            return []
        case .setEventMask(let mask), .leSetEventMask(let mask):
            return Self.le64(mask)
        case .leSetScanParameters(let active, let interval, let window):
            // LE_Scan_Type, LE_Scan_Interval, LE_Scan_Window, Own_Address_Type (public), Scanning_Filter_Policy (all)
            return [active ? 1 : 0] + Self.le16(interval) + Self.le16(window) + [0x00, 0x00]
        case .leSetScanEnable(let enable, let filterDuplicates):
            return [enable ? 1 : 0, filterDuplicates ? 1 : 0]
        case .leSetExtendedScanParameters(let active, let interval, let window):
            // Own_Address_Type, Scanning_Filter_Policy, Scanning_PHYs (bit 0: LE 1M), then per PHY:
            // Scan_Type, Scan_Interval, Scan_Window
            return [0x00, 0x00, 0x01, active ? 1 : 0] + Self.le16(interval) + Self.le16(window)
        case .leSetExtendedScanEnable(let enable, let filterDuplicates):
            // Enable, Filter_Duplicates, Duration (0: until disabled), Period (0: continuous)
            return [enable ? 1 : 0, filterDuplicates ? 1 : 0, 0, 0, 0, 0]
        }
    }

    /// The whole H4 packet: 0x01, opcode (LE), parameter length, parameters.
    public var encoded: [UInt8] {
        let p = parameters
        return [H4PacketType.command.rawValue, UInt8(opcode.rawValue & 0xFF), UInt8(opcode.rawValue >> 8), UInt8(p.count)] + p
    }

    public var description: String { opcode.description }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}
