/// An HCI event the controller sent that does not hold together. The packet is dropped; the
/// stream is still in step (H4 framing held), so decoding carries on with the next packet.
/// Messages give shapes and offsets, never the bytes.
public struct HCIDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var event: String
    public var reason: String

    public init(event: String, reason: String) {
        self.event = event
        self.reason = reason
    }

    public var description: String { "malformed \(event): \(reason); packet dropped" }
}
