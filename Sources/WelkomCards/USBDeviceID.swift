/// A USB vendor and product ID: how a libusb reader is found.
public struct USBDeviceID: Sendable, Hashable, CustomStringConvertible {
    public var vendor: UInt16
    public var product: UInt16

    public init(vendor: UInt16, product: UInt16) {
        self.vendor = vendor
        self.product = product
    }

    /// `vvvv:pppp`, lowercase, as lsusb prints it.
    public var description: String {
        Self.hex4(vendor) + ":" + Self.hex4(product)
    }

    static func hex4(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}
