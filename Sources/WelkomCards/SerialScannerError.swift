import WelkomSerial

/// A serial scanner configuration that can never work.
public enum SerialScannerError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedBaud(Int)
    case system(String)

    public var description: String {
        switch self {
        case .unsupportedBaud(let baud):
            "unsupported baud rate \(baud) (supported: \(SerialPort.supportedBauds.map(String.init).joined(separator: ", ")))"
        case .system(let what):
            "cannot start the serial reader: \(what)"
        }
    }
}
