/// A libusb call that failed: which one, libusb's error name and code, and what to check.
public struct USBError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public var name: String

    public init(operation: String, code: Int32, name: String) {
        self.operation = operation
        self.code = code
        self.name = name
    }

    public var description: String {
        var text = "libusb \(operation) failed: \(name) (\(code))"
        if operation == "init" {
            text += "; is USB support in this kernel, and /dev/bus/usb present and readable by this user?"
        }
        return text
    }
}
