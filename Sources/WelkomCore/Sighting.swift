import struct Foundation.Date

/// One thing a source heard: an advertisement or a card read, before anyone knows whose it is.
///
/// A sighting of someone not enrolled must leave no trace (docs/privacy-invariants.md, invariant 2), so a sighting
/// never describes its identifiers when printed, logged or interpolated: `description` shows
/// only the kind of evidence. Sources create sightings; only the recogniser looks inside.
public struct Sighting: Sendable, CustomStringConvertible {
    public var time: Date
    public var evidence: Evidence
    /// Received signal strength in dBm, for radio sightings.
    public var rssi: Int?
    /// The till the source is bound to (a card reader's till), if any.
    public var till: TillID?
    /// Which source produced it, for aggregate counters ("radio", "card").
    public var source: SourceKind
    /// The advertiser's address, for radio sightings: an RPA may resolve to an enrolled IRK.
    public var address: DeviceAddress?
    /// Which receiver heard it (a radio's name from the config), for till zones.
    public var receiver: String?

    public init(time: Date, evidence: Evidence, rssi: Int? = nil, till: TillID? = nil, source: SourceKind,
                address: DeviceAddress? = nil, receiver: String? = nil) {
        self.time = time
        self.evidence = evidence
        self.rssi = rssi
        self.till = till
        self.source = source
        self.address = address
        self.receiver = receiver
    }

    public var description: String {
        "Sighting(\(source.rawValue), \(evidence.kind)\(rssi.map { ", rssi \($0)" } ?? ""))"
    }
}

public enum SourceKind: String, Sendable, CaseIterable {
    case radio
    case card
}

/// What a sighting carries that a recogniser might match.
public enum Evidence: Sendable, CustomStringConvertible {
    /// A WLK1 frame: its company ID (little-endian on air, host order here) and its 16-byte token.
    case wlk1(companyID: UInt16, token: Block128)
    /// A loyalty card, its number already normalised as docs/identifiers.md (loyalty cards) says
    /// (digits alone, or "uid:" + lowercase hex for an NFC UID).
    case card(normalised: String)
    /// An Eddystone-EID frame's 8-byte ephemeral identifier, most significant byte first.
    case eid(UInt64)
    /// An identifier that never changes (iBeacon, AltBeacon); matched only where allowed.
    case staticIdentifier(StaticIdentifier)
    /// An advertisement that carries nothing any scheme matches on (still counted, in aggregate).
    case other

    /// The kind of evidence, safe to log and to use as a metric label.
    public var kind: String {
        switch self {
        case .wlk1: "wlk1"
        case .card: "card"
        case .eid: "eid"
        case let .staticIdentifier(id): id.kind
        case .other: "other"
        }
    }

    public var description: String { kind }
}
