/// A USB vendor and product ID, written `vvvv:pppp` in hex as lsusb prints it.
public struct USBDeviceID: Sendable, Hashable, CustomStringConvertible {
    public var vendor: UInt16
    public var product: UInt16

    public init(vendor: UInt16, product: UInt16) {
        self.vendor = vendor
        self.product = product
    }

    /// Parses `vvvv:pppp` (four hex digits each, either case); nil on anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isHexDigit) }),
              let v = UInt16(parts[0], radix: 16), let p = UInt16(parts[1], radix: 16)
        else { return nil }
        self.init(vendor: v, product: p)
    }

    /// `vvvv:pppp`, lowercase.
    public var description: String {
        String(vendor, radix: 16).leftPadded(to: 4) + ":" + String(product, radix: 16).leftPadded(to: 4)
    }
}
