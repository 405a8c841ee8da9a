import WelkomCore

/// The WLK1 advertising payload (legacy advertising, 25 of 31 bytes):
///     02 01 06                 flags
///     15 FF cc cc 57 01 token  manufacturer data: company id little-endian, 'W', version 1, token
/// Used by `welkom token` for app and fob makers and by the demo's simulated phones; the radio
/// source parses the same layout.
public enum WLK1Frame {
    public static let frameType: UInt8 = 0x57
    public static let version: UInt8 = 0x01
    /// Company ID 0xFFFF is reserved for testing; a deployment configures its own.
    public static let testingCompanyID: UInt16 = 0xFFFF

    public static func advertisingPayload(token: Block128, companyID: UInt16 = testingCompanyID) -> [UInt8] {
        [0x02, 0x01, 0x06,
         0x15, 0xFF, UInt8(companyID & 0xFF), UInt8(companyID >> 8), frameType, version]
            + token.bytes
    }
}
