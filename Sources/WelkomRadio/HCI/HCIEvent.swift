/// An HCI event decoded as far as a passive scanner needs (Core spec Vol 4 Part E §7.7).
/// Parameter slices share the packet's storage.
public enum HCIEvent: Sendable, Equatable {
    case commandComplete(numCommandPackets: UInt8, opcode: HCIOpcode, returnParameters: ArraySlice<UInt8>)
    case commandStatus(status: HCIStatus, numCommandPackets: UInt8, opcode: HCIOpcode)
    /// LE Advertising Report (subevent 0x02) or LE Extended Advertising Report (0x0D), each
    /// holding one or more reports.
    case advertisingReports([AdvertisingReport])
    case hardwareError(code: UInt8)
    /// Another LE Meta subevent.
    case leMeta(subevent: UInt8, parameters: ArraySlice<UInt8>)
    /// Any other event.
    case other(code: UInt8, parameters: ArraySlice<UInt8>)

    /// Decodes an event packet. Throws when the packet is not an event or a report's lengths
    /// run past the packet: that packet is dropped, the next one decodes as usual.
    public static func decode(_ packet: H4Packet) throws(HCIDecodeError) -> HCIEvent {
        guard packet.type == .event else {
            throw HCIDecodeError(event: "\(packet.type) packet", reason: "not an HCI event")
        }
        let b = packet.bytes
        guard b.count >= 2 else { throw HCIDecodeError(event: "event", reason: "shorter than its 2-byte header") }
        let code = b[0]
        guard Int(b[1]) == b.count - 2 else {
            throw HCIDecodeError(event: "event 0x\(String(code, radix: 16))", reason: "declares \(b[1]) parameter bytes, has \(b.count - 2)")
        }
        let p = b[2...]
        switch code {
        case HCIEventCode.commandComplete:
            guard p.count >= 3 else { throw HCIDecodeError(event: "Command Complete", reason: "needs at least 3 parameter bytes, has \(p.count)") }
            let s = p.startIndex
            return .commandComplete(numCommandPackets: p[s], opcode: HCIOpcode(rawValue: UInt16(p[s + 1]) | UInt16(p[s + 2]) << 8),
                                    returnParameters: p[(s + 3)...])
        case HCIEventCode.commandStatus:
            guard p.count == 4 else { throw HCIDecodeError(event: "Command Status", reason: "needs 4 parameter bytes, has \(p.count)") }
            let s = p.startIndex
            return .commandStatus(status: HCIStatus(p[s]), numCommandPackets: p[s + 1],
                                  opcode: HCIOpcode(rawValue: UInt16(p[s + 2]) | UInt16(p[s + 3]) << 8))
        case HCIEventCode.hardwareError:
            guard let first = p.first else { throw HCIDecodeError(event: "Hardware Error", reason: "no code") }
            return .hardwareError(code: first)
        case HCIEventCode.leMeta:
            guard let subevent = p.first else { throw HCIDecodeError(event: "LE Meta", reason: "no subevent code") }
            let q = p.dropFirst()
            switch subevent {
            case HCIEventCode.leAdvertisingReport: return .advertisingReports(try legacyReports(q))
            case HCIEventCode.leExtendedAdvertisingReport: return .advertisingReports(try extendedReports(q))
            default: return .leMeta(subevent: subevent, parameters: q)
            }
        default:
            return .other(code: code, parameters: p)
        }
    }

    /// Num_Reports, then per report: Event_Type, Address_Type, Address(6), Data_Length, Data, RSSI.
    /// (Controllers and BlueZ lay multiple reports out one after another, as here.)
    static func legacyReports(_ p: ArraySlice<UInt8>) throws(HCIDecodeError) -> [AdvertisingReport] {
        let name = "LE Advertising Report"
        guard let count = p.first else { throw HCIDecodeError(event: name, reason: "no Num_Reports") }
        var i = p.startIndex + 1
        var reports: [AdvertisingReport] = []
        reports.reserveCapacity(Int(count))
        for n in 0..<Int(count) {
            guard p.endIndex - i >= 9 else {
                throw HCIDecodeError(event: name, reason: "report \(n + 1) of \(count) needs 9 header bytes at offset \(i - p.startIndex), \(p.endIndex - i) left")
            }
            let eventType = p[i], addressType = p[i + 1]
            let address = readAddress(p, at: i + 2)
            let length = Int(p[i + 8])
            let dataStart = i + 9
            guard p.endIndex - dataStart >= length + 1 else {
                throw HCIDecodeError(event: name, reason: "report \(n + 1) of \(count) declares \(length) data bytes plus RSSI, \(p.endIndex - dataStart) left")
            }
            let rssi = Int8(bitPattern: p[dataStart + length])
            reports.append(AdvertisingReport(isExtended: false, eventType: UInt16(eventType), addressType: addressType, address: address,
                                             rssi: rssi == 127 ? nil : Int(rssi), data: p[dataStart..<(dataStart + length)]))
            i = dataStart + length + 1
        }
        guard i == p.endIndex else {
            throw HCIDecodeError(event: name, reason: "\(p.endIndex - i) byte(s) left over after \(count) report(s)")
        }
        return reports
    }

    /// Num_Reports, then per report: Event_Type(2), Address_Type, Address(6), Primary_PHY,
    /// Secondary_PHY, Advertising_SID, TX_Power, RSSI, Periodic_Advertising_Interval(2),
    /// Direct_Address_Type, Direct_Address(6), Data_Length, Data.
    static func extendedReports(_ p: ArraySlice<UInt8>) throws(HCIDecodeError) -> [AdvertisingReport] {
        let name = "LE Extended Advertising Report"
        guard let count = p.first else { throw HCIDecodeError(event: name, reason: "no Num_Reports") }
        var i = p.startIndex + 1
        var reports: [AdvertisingReport] = []
        reports.reserveCapacity(Int(count))
        for n in 0..<Int(count) {
            guard p.endIndex - i >= 24 else {
                throw HCIDecodeError(event: name, reason: "report \(n + 1) of \(count) needs 24 header bytes at offset \(i - p.startIndex), \(p.endIndex - i) left")
            }
            let eventType = UInt16(p[i]) | UInt16(p[i + 1]) << 8
            let addressType = p[i + 2]
            let address = readAddress(p, at: i + 3)
            let rssi = Int8(bitPattern: p[i + 13])
            let length = Int(p[i + 23])
            let dataStart = i + 24
            guard p.endIndex - dataStart >= length else {
                throw HCIDecodeError(event: name, reason: "report \(n + 1) of \(count) declares \(length) data bytes, \(p.endIndex - dataStart) left")
            }
            reports.append(AdvertisingReport(isExtended: true, eventType: eventType, addressType: addressType, address: address,
                                             rssi: rssi == 127 ? nil : Int(rssi), data: p[dataStart..<(dataStart + length)]))
            i = dataStart + length
        }
        guard i == p.endIndex else {
            throw HCIDecodeError(event: name, reason: "\(p.endIndex - i) byte(s) left over after \(count) report(s)")
        }
        return reports
    }

    private static func readAddress(_ p: ArraySlice<UInt8>, at i: Int) -> UInt64 {
        var a: UInt64 = 0
        for k in 0..<6 { a |= UInt64(p[i + k]) << (8 * UInt64(k)) }
        return a
    }
}
