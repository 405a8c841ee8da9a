/// HCI event codes and LE Meta subevent codes this module decodes (Core spec Vol 4 Part E §7.7).
public enum HCIEventCode {
    public static let commandComplete: UInt8 = 0x0E
    public static let commandStatus: UInt8 = 0x0F
    public static let hardwareError: UInt8 = 0x10
    public static let leMeta: UInt8 = 0x3E

    public static let leAdvertisingReport: UInt8 = 0x02
    public static let leExtendedAdvertisingReport: UInt8 = 0x0D
}
