import XCTest
import WelkomCore
@testable import WelkomRadio

final class HCICodecTests: XCTestCase {
    func testCommandEncodings() {
        XCTAssertEqual(HCICommand.reset.encoded, [0x01, 0x03, 0x0C, 0x00])
        XCTAssertEqual(HCICommand.setEventMask(0x2000_1FFF_FFFF_FFFF).encoded,
                       [0x01, 0x01, 0x0C, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00, 0x20])
        XCTAssertEqual(HCICommand.leSetEventMask(0x1002).encoded, [0x01, 0x01, 0x20, 0x08, 0x02, 0x10, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(HCICommand.leReadLocalSupportedFeatures.encoded, [0x01, 0x03, 0x20, 0x00])
        XCTAssertEqual(HCICommand.leSetScanParameters(active: false, interval: 0x00A0, window: 0x0050).encoded,
                       [0x01, 0x0B, 0x20, 0x07, 0x00, 0xA0, 0x00, 0x50, 0x00, 0x00, 0x00])
        XCTAssertEqual(HCICommand.leSetScanEnable(enable: true, filterDuplicates: false).encoded, [0x01, 0x0C, 0x20, 0x02, 0x01, 0x00])
        XCTAssertEqual(HCICommand.leSetExtendedScanParameters(active: false, interval: 0x00A0, window: 0x00A0).encoded,
                       [0x01, 0x41, 0x20, 0x08, 0x00, 0x00, 0x01, 0x00, 0xA0, 0x00, 0xA0, 0x00])
        XCTAssertEqual(HCICommand.leSetExtendedScanEnable(enable: true, filterDuplicates: false).encoded,
                       [0x01, 0x42, 0x20, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])
        XCTAssertEqual(HCIOpcode.leSetExtendedScanEnable.ogf, 0x08)
        XCTAssertEqual(HCIOpcode.leSetExtendedScanEnable.ocf, 0x42)
        XCTAssertEqual("\(HCIOpcode.reset)", "HCI_Reset")
    }

    func testCommandCompleteAndStatus() throws {
        let cc = H4Packet(type: .event, bytes: [0x0E, 0x0C, 0x01, 0x03, 0x20, 0x00, 0x00, 0x10, 0, 0, 0, 0, 0, 0])
        guard case .commandComplete(let n, let opcode, let params) = try HCIEvent.decode(cc) else { return XCTFail() }
        XCTAssertEqual(n, 1)
        XCTAssertEqual(opcode, .leReadLocalSupportedFeatures)
        let features = try XCTUnwrap(LEFeatures(returnParameters: params))
        XCTAssertTrue(features.contains(.extendedAdvertising))

        let cs = H4Packet(type: .event, bytes: [0x0F, 0x04, 0x01, 0x01, 0x42, 0x20])
        XCTAssertEqual(try HCIEvent.decode(cs), .commandStatus(status: .unknownCommand, numCommandPackets: 1, opcode: .leSetExtendedScanEnable))
    }

    func testStatusNames() {
        XCTAssertEqual("\(HCIStatus(0x0C))", "Command Disallowed (0x0c)")
        XCTAssertEqual("\(HCIStatus(0x12))", "Invalid HCI Command Parameters (0x12)")
        XCTAssertEqual("\(HCIStatus(0x01))", "Unknown HCI Command (0x01)")
        XCTAssertEqual("\(HCIStatus(0xEE))", "status 0xee")
        XCTAssertTrue(HCIStatus.success.isSuccess)
    }

    /// Two legacy reports in one event, laid out one after the other.
    func testLegacyMultiReport() throws {
        let data1: [UInt8] = [0x02, 0x01, 0x06]
        let data2: [UInt8] = Hex.bytes("02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")
        var params: [UInt8] = [0x02, 0x02]  // subevent, Num_Reports
        params += [0x00, 0x01, 0x66, 0x55, 0x44, 0x33, 0x22, 0xC1, UInt8(data1.count)] + data1 + [0xC4]  // RSSI -60
        params += [0x04, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, UInt8(data2.count)] + data2 + [0x7F]  // RSSI n/a
        let packet = H4Packet(type: .event, bytes: [0x3E, UInt8(params.count)] + params)
        guard case .advertisingReports(let reports) = try HCIEvent.decode(packet) else { return XCTFail() }
        XCTAssertEqual(reports.count, 2)
        XCTAssertFalse(reports[0].isExtended)
        XCTAssertEqual(reports[0].eventType, 0)
        XCTAssertEqual(reports[0].addressType, 1)
        XCTAssertEqual(reports[0].address, 0xC1_22_33_44_55_66)
        XCTAssertEqual(reports[0].rssi, -60)
        XCTAssertEqual(Array(reports[0].data), data1)
        XCTAssertEqual(reports[1].eventType, 4)
        XCTAssertNil(reports[1].rssi)
        XCTAssertEqual(Array(reports[1].data), data2)
        // Printing a report shows neither address nor payload.
        XCTAssertFalse("\(reports[1])".contains("fb74"))
        XCTAssertFalse("\(reports[0])".lowercased().contains("66"))
    }

    func testExtendedMultiReport() throws {
        let data: [UInt8] = Hex.bytes("02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")
        func report(_ eventType: UInt16, rssi: Int8, data: [UInt8]) -> [UInt8] {
            [UInt8(eventType & 0xFF), UInt8(eventType >> 8), 0x01, 1, 2, 3, 4, 5, 0xC6, 0x01, 0x01, 0x00, 0x7F,
             UInt8(bitPattern: rssi), 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, UInt8(data.count)] + data
        }
        let params: [UInt8] = [0x0D, 0x03] + report(0x0010, rssi: -50, data: data) + report(0x001A, rssi: -70, data: []) + report(0x0000, rssi: 127, data: [0x02, 0x01, 0x06])
        let packet = H4Packet(type: .event, bytes: [0x3E, UInt8(params.count)] + params)
        guard case .advertisingReports(let reports) = try HCIEvent.decode(packet) else { return XCTFail() }
        XCTAssertEqual(reports.map(\.eventType), [0x0010, 0x001A, 0x0000])
        XCTAssertEqual(reports.map(\.rssi), [-50, -70, nil])
        XCTAssertEqual(reports.map { $0.data.count }, [data.count, 0, 3])
        XCTAssertTrue(reports.allSatisfy(\.isExtended))
        XCTAssertEqual(reports[0].address, 0xC6_05_04_03_02_01)

        var extractor = SightingExtractor()
        let sightings = try extractor.sightings(in: packet, at: Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertEqual(sightings.map(\.evidence.kind), ["wlk1", "other", "other"])
        XCTAssertEqual(sightings.map(\.rssi), [-50, -70, nil])
        XCTAssertEqual(extractor.stats.wlk1Reports, 1)
        XCTAssertEqual(extractor.stats.otherReports, 2)
    }

    func testReportOverrunningThePacketIsAClearErrorAndDecodingContinues() throws {
        // Legacy: the second report declares 31 data bytes, the packet has 3.
        let params: [UInt8] = [0x02, 0x02,
                               0x00, 0x00, 1, 2, 3, 4, 5, 6, 0x00, 0xC4,
                               0x00, 0x00, 1, 2, 3, 4, 5, 6, 0x1F, 0x02, 0x01, 0x06]
        let bad = H4Packet(type: .event, bytes: [0x3E, UInt8(params.count)] + params)
        XCTAssertThrowsError(try HCIEvent.decode(bad)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("LE Advertising Report"), text)
            XCTAssertTrue(text.contains("report 2 of 2 declares 31 data bytes"), text)
            XCTAssertTrue(text.contains("packet dropped"), text)
        }
        // Extended: header cut short.
        let ext: [UInt8] = [0x0D, 0x01, 0x10, 0x00, 0x01]
        XCTAssertThrowsError(try HCIEvent.decode(H4Packet(type: .event, bytes: [0x3E, UInt8(ext.count)] + ext))) { error in
            XCTAssertTrue("\(error)".contains("needs 24 header bytes"))
        }
        // Leftover bytes after the declared reports.
        let extra: [UInt8] = [0x02, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 0x00, 0xC4, 0xAA]
        XCTAssertThrowsError(try HCIEvent.decode(H4Packet(type: .event, bytes: [0x3E, UInt8(extra.count)] + extra)))
        // Event length disagreeing with its header.
        XCTAssertThrowsError(try HCIEvent.decode(H4Packet(type: .event, bytes: [0x0E, 0x09, 0x01])))

        // The extractor counts the bad packet and the next good one decodes as usual.
        var extractor = SightingExtractor()
        XCTAssertThrowsError(try extractor.sightings(in: bad, at: Date()))
        let good: [UInt8] = [0x02, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 0x03, 0x02, 0x01, 0x06, 0xC4]
        let sightings = try extractor.sightings(in: H4Packet(type: .event, bytes: [0x3E, UInt8(good.count)] + good), at: Date())
        XCTAssertEqual(sightings.count, 1)
        XCTAssertEqual(extractor.stats.malformedReports, 1)
        XCTAssertEqual(extractor.stats.otherReports, 1)
    }

    func testOtherEventsPassThrough() throws {
        XCTAssertEqual(try HCIEvent.decode(H4Packet(type: .event, bytes: [0x10, 0x01, 0x05])), .hardwareError(code: 5))
        guard case .leMeta(let sub, _) = try HCIEvent.decode(H4Packet(type: .event, bytes: [0x3E, 0x02, 0x14, 0x00])) else { return XCTFail() }
        XCTAssertEqual(sub, 0x14)
        guard case .other(let code, _) = try HCIEvent.decode(H4Packet(type: .event, bytes: [0x13, 0x00])) else { return XCTFail() }
        XCTAssertEqual(code, 0x13)
        XCTAssertThrowsError(try HCIEvent.decode(H4Packet(type: .acl, bytes: [0, 0, 0, 0])))
    }
}

extension Hex {
    /// Test helper: hex that is known good.
    static func bytes(_ s: String) -> [UInt8] { Hex.decode(s) ?? [] }
}
