/// A command opcode: OGF in the top 6 bits, OCF in the low 10 (Core spec Vol 4 Part E §5.4.1).
public struct HCIOpcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(ogf: UInt16, ocf: UInt16) { rawValue = ogf << 10 | (ocf & 0x3FF) }

    public var ogf: UInt16 { rawValue >> 10 }
    public var ocf: UInt16 { rawValue & 0x3FF }

    public static let reset = HCIOpcode(ogf: 0x03, ocf: 0x0003)
    /// 0x0000: carried by the Command Complete a controller sends when it is ready after power-up.
    public static let noOperation = HCIOpcode(rawValue: 0)
    public static let setEventMask = HCIOpcode(ogf: 0x03, ocf: 0x0001)
    public static let leSetEventMask = HCIOpcode(ogf: 0x08, ocf: 0x0001)
    public static let leReadLocalSupportedFeatures = HCIOpcode(ogf: 0x08, ocf: 0x0003)
    public static let leSetScanParameters = HCIOpcode(ogf: 0x08, ocf: 0x000B)
    public static let leSetScanEnable = HCIOpcode(ogf: 0x08, ocf: 0x000C)
    public static let leSetExtendedScanParameters = HCIOpcode(ogf: 0x08, ocf: 0x0041)
    public static let leSetExtendedScanEnable = HCIOpcode(ogf: 0x08, ocf: 0x0042)

    private static let names: [UInt16: String] = [
        reset.rawValue: "HCI_Reset",
        noOperation.rawValue: "HCI_NOP",
        setEventMask.rawValue: "HCI_Set_Event_Mask",
        leSetEventMask.rawValue: "HCI_LE_Set_Event_Mask",
        leReadLocalSupportedFeatures.rawValue: "HCI_LE_Read_Local_Supported_Features",
        leSetScanParameters.rawValue: "HCI_LE_Set_Scan_Parameters",
        leSetScanEnable.rawValue: "HCI_LE_Set_Scan_Enable",
        leSetExtendedScanParameters.rawValue: "HCI_LE_Set_Extended_Scan_Parameters",
        leSetExtendedScanEnable.rawValue: "HCI_LE_Set_Extended_Scan_Enable",
    ]

    public var description: String {
        Self.names[rawValue] ?? "opcode 0x\(String(rawValue, radix: 16)) (OGF 0x\(String(ogf, radix: 16)), OCF 0x\(String(ocf, radix: 16)))"
    }
}
