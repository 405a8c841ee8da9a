/// Splits an H4 byte stream into HCI packets, incrementally: feed any split of bytes, take
/// packets as they complete. Pure: no I/O, no clock.
///
/// A byte that cannot start a packet (an unknown indicator, or an indicator followed by an
/// impossible header) is skipped until the next plausible indicator, and `next()` throws one
/// `H4FramingError` for the run; the decoder is then back in step and the caller keeps calling.
/// This is how a host that attached mid-stream (half a packet first) or a noisy UART recovers.
public struct H4Decoder: Sendable {
    /// ACL and ISO payloads longer than this are taken for garbage (real controllers use ≤ 1021).
    public var maximumPayloadLength: Int
    /// Packet types this stream can carry; others are framing errors. A host reading a
    /// controller never sees commands, so its decoder leaves them out and resynchronises faster.
    public var accepted: Set<H4PacketType>
    public private(set) var framingErrorCount = 0
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maximumPayloadLength: Int = 4096, accepting accepted: Set<H4PacketType> = Set(H4PacketType.allCases)) {
        self.maximumPayloadLength = maximumPayloadLength
        self.accepted = accepted
    }

    /// The types a controller sends to its host: everything but commands.
    public static let controllerToHost: Set<H4PacketType> = [.event, .acl, .sco, .iso]

    /// Bytes received but not yet part of a complete packet.
    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)  // keep the buffer from growing: compact when half is consumed
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Drops everything buffered (after a transport reopen).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// The next complete packet, or nil until more bytes arrive.
    public mutating func next() throws(H4FramingError) -> H4Packet? {
        guard let (type, range) = try nextRange() else { return nil }
        return H4Packet(type: type, bytes: Array(buffer[range]))
    }

    /// The next complete packet without a copy: its type and where its bytes (header and payload,
    /// no type byte) are, for `withBytes`, until the next `feed` or `reset`. A scanning radio
    /// decodes every report this way; `next()` is the same with the bytes copied out.
    public mutating func nextRange() throws(H4FramingError) -> (type: H4PacketType, range: Range<Int>)? {
        var skipped = 0
        var firstReason: H4FramingError.Reason?
        while start < buffer.count {
            let indicator = buffer[start]
            guard let type = H4PacketType(rawValue: indicator), accepted.contains(type) else {
                firstReason = firstReason ?? .unknownType(indicator)
                start += 1; skipped += 1
                continue
            }
            let available = buffer.count - start - 1
            if available < type.headerLength { break }  // wait for the header
            let check = buffer.withUnsafeBufferPointer { all in
                Self.checkHeader(type, UnsafeBufferPointer(rebasing: all[(start + 1)..<(start + 1 + type.headerLength)]),
                                 maximumPayloadLength: maximumPayloadLength)
            }
            guard let payloadLength = check else {
                firstReason = firstReason ?? .impossibleHeader(type)
                start += 1; skipped += 1
                continue
            }
            // A run of garbage ends here: report it before handing out packets.
            if let reason = firstReason {
                framingErrorCount += 1
                throw H4FramingError(reason: reason, skippedBytes: skipped)
            }
            let total = type.headerLength + payloadLength
            if available < total { return nil }
            let range = (start + 1)..<(start + 1 + total)
            start += 1 + total
            return (type, range)
        }
        if let reason = firstReason {
            framingErrorCount += 1
            throw H4FramingError(reason: reason, skippedBytes: skipped)
        }
        return nil
    }

    /// Lends the bytes of a packet `nextRange()` returned.
    public func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Decodes one packet given whole (a btsnoop record with its type byte): the header must
    /// hold and its length must match exactly.
    public static func decodeWhole<C: Collection>(_ framed: C, maximumPayloadLength: Int = 65535) throws(H4FramingError) -> H4Packet
    where C.Element == UInt8 {
        let bytes = Array(framed)
        guard let first = bytes.first else { throw H4FramingError(reason: .lengthMismatch(declared: 1, actual: 0), skippedBytes: 0) }
        guard let type = H4PacketType(rawValue: first) else {
            throw H4FramingError(reason: .unknownType(first), skippedBytes: bytes.count)
        }
        guard bytes.count - 1 >= type.headerLength else {
            throw H4FramingError(reason: .lengthMismatch(declared: type.headerLength, actual: bytes.count - 1), skippedBytes: bytes.count)
        }
        let check = bytes.withUnsafeBufferPointer {
            checkHeader(type, UnsafeBufferPointer(rebasing: $0[1..<(1 + type.headerLength)]), maximumPayloadLength: maximumPayloadLength)
        }
        guard let payloadLength = check else { throw H4FramingError(reason: .impossibleHeader(type), skippedBytes: bytes.count) }
        guard bytes.count - 1 == type.headerLength + payloadLength else {
            throw H4FramingError(reason: .lengthMismatch(declared: type.headerLength + payloadLength, actual: bytes.count - 1),
                                 skippedBytes: bytes.count)
        }
        return H4Packet(type: type, bytes: Array(bytes[1...]))
    }

    /// The payload length if the header is plausible, nil if it cannot be a real packet.
    /// Tight checks make resynchronisation after garbage land on a real packet boundary.
    static func checkHeader(_ type: H4PacketType, _ header: UnsafeBufferPointer<UInt8>, maximumPayloadLength: Int) -> Int? {
        let length = type.payloadLength(header: header)
        switch type {
        case .event:
            let code = header[0]
            // 0x00 is reserved; codes past the LE-audio era are unassigned, except test and vendor.
            guard code != 0x00, code <= 0x60 || code == 0xFE || code == 0xFF else { return nil }
            switch code {
            case HCIEventCode.commandComplete: guard length >= 3 else { return nil }
            case HCIEventCode.commandStatus: guard length == 4 else { return nil }
            case HCIEventCode.leMeta: guard length >= 1 else { return nil }
            default: break
            }
        case .acl:
            guard length <= maximumPayloadLength else { return nil }
        case .iso:
            guard header[3] & 0xC0 == 0, length <= maximumPayloadLength else { return nil }
        case .command, .sco:
            break
        }
        return length
    }
}
