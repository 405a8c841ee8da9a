import struct Foundation.Date
import WelkomCore

/// Turns HCI event packets into sightings and counts what it saw. Shared by the live driver and
/// capture replay so both judge reports the same way.
public struct SightingExtractor: Sendable {
    public var stats = RadioStats()

    public init() {}

    /// Sightings for the advertising reports in `packet` (none for other events), stamped `time`.
    /// A malformed report event throws (and is counted); the caller drops it and carries on.
    public mutating func sightings(in packet: H4Packet, at time: Date) throws(HCIDecodeError) -> [Sighting] {
        let event: HCIEvent
        do {
            event = try HCIEvent.decode(packet)
        } catch {
            if Self.isAdvertisingReport(packet) { stats.malformedReports += 1 }
            throw error
        }
        guard case .advertisingReports(let reports) = event else { return [] }
        var out: [Sighting] = []
        out.reserveCapacity(reports.count)
        for report in reports {
            let scan = AdvertisingData.scan(report.data)
            if scan.overrun != nil { stats.malformedAdvertisingData += 1 }
            stats.count(scan.evidence)
            out.append(Sighting(time: time, evidence: scan.evidence, rssi: report.rssi, till: nil, source: .radio,
                                address: report.deviceAddress))
        }
        return out
    }

    static func isAdvertisingReport(_ packet: H4Packet) -> Bool {
        packet.type == .event && packet.bytes.count >= 3 && packet.bytes[0] == HCIEventCode.leMeta
            && (packet.bytes[2] == HCIEventCode.leAdvertisingReport || packet.bytes[2] == HCIEventCode.leExtendedAdvertisingReport)
    }
}
