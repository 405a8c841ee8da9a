import WelkomCore

/// One advertisement as the controller reported it, legacy (LE Advertising Report) or extended
/// (LE Extended Advertising Report). `data` is a slice of the event packet: no copy.
///
/// Address and data identify a person's device: `description` shows neither, so a report can
/// be logged or interpolated without leaking them.
public struct AdvertisingReport: Sendable, Equatable, CustomStringConvertible {
    /// True when it came from an LE Extended Advertising Report.
    public var isExtended: Bool
    /// The legacy event type (ADV_IND 0x00 … SCAN_RSP 0x04) or the extended event-type bits.
    public var eventType: UInt16
    public var addressType: UInt8
    /// The advertiser's 48-bit address, the on-air little-endian bytes read as a number
    /// (so `String(address, radix: 16)` prints it most significant byte first).
    public var address: UInt64
    /// dBm; nil when the controller says "not available" (127).
    public var rssi: Int?
    /// The AD structures.
    public var data: ArraySlice<UInt8>

    public init(isExtended: Bool, eventType: UInt16, addressType: UInt8, address: UInt64, rssi: Int?, data: ArraySlice<UInt8>) {
        self.isExtended = isExtended
        self.eventType = eventType
        self.addressType = addressType
        self.address = address
        self.rssi = rssi
        self.data = data
    }

    /// The advertiser's address with its kind: address types 0x01 (random) and 0x03 (random
    /// identity, resolved by the controller) are random, 0x00 and 0x02 public. Anonymous
    /// advertisements (0xFF, extended only) carry no address.
    public var deviceAddress: DeviceAddress? { Self.deviceAddress(type: addressType, value: address) }

    static func deviceAddress(type addressType: UInt8, value address: UInt64) -> DeviceAddress? {
        switch addressType {
        case 0x00, 0x02: DeviceAddress(value: address, isRandom: false)
        case 0x01, 0x03: DeviceAddress(value: address, isRandom: true)
        default: nil
        }
    }

    public var description: String {
        "AdvertisingReport(\(isExtended ? "extended" : "legacy"), type 0x\(String(eventType, radix: 16)), \(data.count) data bytes)"
    }
}
