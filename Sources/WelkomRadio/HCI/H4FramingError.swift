/// The H4 stream held bytes that cannot start a packet. The decoder has already skipped them
/// and resynchronised; the caller counts the error and keeps decoding.
public struct H4FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A byte that is no H4 packet indicator.
        case unknownType(UInt8)
        /// A valid indicator whose header cannot be right (reserved event code, a length past the
        /// maximum, reserved length bits, an event shorter than its fixed fields).
        case impossibleHeader(H4PacketType)
        /// A packet given whole (a btsnoop record) whose length disagrees with its header.
        case lengthMismatch(declared: Int, actual: Int)
    }

    public var reason: Reason
    /// How many bytes were dropped to get back in step.
    public var skippedBytes: Int

    public init(reason: Reason, skippedBytes: Int) {
        self.reason = reason
        self.skippedBytes = skippedBytes
    }

    public var description: String {
        switch reason {
        case .unknownType:
            // The byte itself is not printed: mid-stream it may be part of someone's advertisement.
            "H4 framing error: a byte that starts no H4 packet; skipped \(skippedBytes) byte(s) to resynchronise"
        case .impossibleHeader(let t):
            "H4 framing error: impossible \(t) header; skipped \(skippedBytes) byte(s) to resynchronise"
        case .lengthMismatch(let declared, let actual):
            "H4 framing error: header declares \(declared) bytes, packet has \(actual)"
        }
    }
}
