/// A `[radio] transport` value (or `welkom scan --hci` argument) that names no transport Welkom knows.
public struct TransportSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The spec as the user wrote it.
    public var spec: String
    /// What is wrong with it.
    public var reason: String

    public init(spec: String, reason: String) {
        self.spec = spec
        self.reason = reason
    }

    public static let acceptedForms =
        "hciN (kernel adapter), serial:/dev/ttyACM0[@BAUD] (H4 over a UART or pty), tcp:HOST:PORT (H4 over TCP), btsnoop:FILE (replay a capture)"

    public var description: String {
        "HCI transport '\(spec)': \(reason); accepted forms: \(Self.acceptedForms)"
    }
}
