/// An identifier that never changes (docs/identifiers.md, static identifiers): anyone who hears it can
/// follow its bearer, so it matches a customer only where `allow_static_identifiers` is set.
///
/// `canonical` is how the registry stores it and how `consent enroll --static` spells it:
/// `ibeacon:<32 hex>:<major>:<minor>`, `altbeacon:<40 hex>`, `address:<12 hex>` (lowercase hex).
public enum StaticIdentifier: Hashable, Sendable, CustomStringConvertible {
    /// Apple iBeacon: proximity UUID, major, minor.
    case iBeacon(uuid: Block128, major: UInt16, minor: UInt16)
    /// AltBeacon: the 20-byte beacon ID.
    case altBeacon(id: [UInt8])
    /// A public or static random device address.
    case address(UInt64)

    public var canonical: String {
        switch self {
        case let .iBeacon(uuid, major, minor): "ibeacon:\(uuid.hex):\(major):\(minor)"
        case let .altBeacon(id): "altbeacon:\(Hex.encode(id))"
        case let .address(value):
            "address:" + Hex.encode((0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64($0))) })
        }
    }

    /// Parses the canonical form, accepting a UUID with dashes and either case.
    /// Nil for anything else.
    public init?(canonical text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let scheme = parts.first?.lowercased() else { return nil }
        switch scheme {
        case "ibeacon":
            guard parts.count == 4, let uuid = Block128(hex: parts[1]),
                  let major = UInt16(parts[2]), let minor = UInt16(parts[3]) else { return nil }
            self = .iBeacon(uuid: uuid, major: major, minor: minor)
        case "altbeacon":
            guard parts.count == 2, let id = Hex.decode(parts[1]), id.count == 20 else { return nil }
            self = .altBeacon(id: id)
        case "address":
            let hex = parts.dropFirst().joined()
            guard let bytes = Hex.decode(hex), bytes.count == 6 else { return nil }
            self = .address(bytes.reduce(0) { $0 << 8 | UInt64($1) })
        default:
            return nil
        }
    }

    /// The kind only: safe to log.
    public var kind: String {
        switch self {
        case .iBeacon: "ibeacon"
        case .altBeacon: "altbeacon"
        case .address: "address"
        }
    }

    public var description: String { "StaticIdentifier(\(kind))" }
}
