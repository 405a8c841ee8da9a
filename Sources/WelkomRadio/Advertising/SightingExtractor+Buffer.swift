import struct Foundation.Date
import WelkomCore

extension SightingExtractor {
    /// The sightings of one H4 packet read straight from a buffer (a capture's read buffer, a
    /// transport's read): no array, no `HCIEvent`, no `AdvertisingReport` per packet. Only the
    /// common case is judged here, a well-formed LE (Extended) Advertising Report event; for
    /// anything else it returns false having counted nothing, and the caller hands the packet to
    /// `sightings(in:at:)`, which judges and counts every anomaly as it always has. So both paths
    /// give the same sightings and the same counts for every input (RadioTests hold them equal).
    /// `receiver` is stamped on each sighting (`Sighting.receiver`).
    public mutating func appendSightings(h4Type: UInt8, packet p: UnsafeRawBufferPointer, at time: Date, receiver: String? = nil,
                                         into out: inout [Sighting]) -> Bool {
        // H4Decoder.decodeWhole and HCIEvent.decode's checks for this case: an event, LE Meta,
        // its declared parameter length exact, an advertising report subevent with Num_Reports.
        guard h4Type == H4PacketType.event.rawValue, p.count >= 4, p[0] == HCIEventCode.leMeta,
              Int(p[1]) == p.count - 2 else { return false }
        let extended: Bool
        switch p[2] {
        case HCIEventCode.leAdvertisingReport: extended = false
        case HCIEventCode.leExtendedAdvertisingReport: extended = true
        default: return false
        }
        // Per report, legacy: Event_Type, Address_Type, Address(6), Data_Length, Data, RSSI;
        // extended: 24 header bytes (Data_Length last, RSSI at 13), then Data.
        let header = extended ? 24 : 9
        let trailer = extended ? 0 : 1
        let count = Int(p[3])
        // First every report's lengths: one that does not fit drops the whole event (the
        // copying path throws and counts it), so nothing is emitted before all are checked.
        var i = 4
        for _ in 0..<count {
            guard p.count - i >= header else { return false }
            let length = Int(p[i + header - 1])
            guard p.count - i - header >= length + trailer else { return false }
            i += header + length + trailer
        }
        guard i == p.count else { return false }
        i = 4
        for _ in 0..<count {
            let addressAt = i + (extended ? 3 : 2)
            var address: UInt64 = 0
            for k in (0..<6).reversed() { address = address << 8 | UInt64(p[addressAt + k]) }
            let addressType = p[addressAt - 1]
            let length = Int(p[i + header - 1])
            let dataStart = i + header
            let rssi = Int8(bitPattern: extended ? p[i + 13] : p[dataStart + length])
            let data = UnsafeBufferPointer(start: p.baseAddress.map { ($0 + dataStart).assumingMemoryBound(to: UInt8.self) },
                                           count: length)
            let scan = AdvertisingData.scan(buffer: data)
            if scan.overrun != nil { stats.malformedAdvertisingData += 1 }
            stats.count(scan.evidence)
            out.append(Sighting(time: time, evidence: scan.evidence, rssi: rssi == 127 ? nil : Int(rssi), till: nil,
                                source: .radio, address: AdvertisingReport.deviceAddress(type: addressType, value: address),
                                receiver: receiver))
            i = dataStart + length + trailer
        }
        return true
    }
}
