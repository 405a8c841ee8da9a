import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRadio

/// Eddystone-EID, iBeacon and AltBeacon frames (docs/identifiers.md), and the
/// advertiser's address carried into the sighting.
final class AdvertisingSchemesTests: XCTestCase {
    func testEddystoneEIDFrame() {
        let payload = EddystoneEID.advertisingPayload(eid: 0x3439_c83a_6564_bfdf, txPower: -25)
        XCTAssertEqual(Hex.encode(payload), "0201060303aafe0d16aafe30e73439c83a6564bfdf")
        guard case .eid(let eid) = AdvertisingData.evidence(in: payload) else { return XCTFail("not an EID") }
        XCTAssertEqual(eid, 0x3439_c83a_6564_bfdf)
        // Wrong UUID, wrong frame type, wrong length: not an EID.
        var uuid = payload; uuid[9] = 0xAB
        var frame = payload; frame[11] = 0x20
        let short = Array(payload[0..<7]) + [0x0C, 0x16, 0xAA, 0xFE, 0x30, 0xE7] + Array(repeating: 0, count: 7)
        for p in [uuid, frame, short] { XCTAssertEqual(AdvertisingData.evidence(in: p).kind, "other") }
    }

    func testStatsCountEveryKindOfFrameAndPublishDifferences() {
        var stats = RadioStats()
        let eid = EddystoneEID.advertisingPayload(eid: 0x3439_c83a_6564_bfdf, txPower: -25)
        let iBeacon = Hex.bytes("0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e00001000cc5")
        for payload in [eid, eid, iBeacon, [0x02, 0x01, 0x06]] { stats.count(AdvertisingData.evidence(in: payload)) }
        XCTAssertEqual([stats.wlk1Reports, stats.eidReports, stats.staticReports, stats.otherReports], [0, 2, 1, 1])
        XCTAssertEqual(stats.reports, 4)
        var later = stats
        later.count(.eid(1)); later.framingErrors += 3
        let since = later - stats
        XCTAssertEqual([since.eidReports, since.framingErrors, since.reports], [1, 3, 1])
        XCTAssertEqual(stats + since, later)
    }

    func testIBeaconFrame() {
        // Apple's layout: 1A FF 4C 00 02 15 UUID major minor txPower.
        let payload = Hex.bytes("0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e00001000cc5")
        guard case .staticIdentifier(let id) = AdvertisingData.evidence(in: payload) else { return XCTFail("not an iBeacon") }
        XCTAssertEqual(id, .iBeacon(uuid: Block128(hex: "e2c56db5dffb48d2b060d0f5a71096e0")!, major: 1, minor: 12))
        XCTAssertEqual(id.canonical, "ibeacon:e2c56db5dffb48d2b060d0f5a71096e0:1:12")
        var notApple = payload; notApple[5] = 0x4D
        XCTAssertEqual(AdvertisingData.evidence(in: notApple).kind, "other")
    }

    func testAltBeaconFrame() {
        // 1B FF mfg(2) BE AC beaconID(20) refRSSI reserved.
        let id = (0..<20).map { UInt8($0 + 1) }
        let payload = [0x02, 0x01, 0x06, 0x1B, 0xFF, 0x18, 0x01, 0xBE, 0xAC] + id + [0xC5, 0x00]
        guard case .staticIdentifier(.altBeacon(let got)) = AdvertisingData.evidence(in: payload) else { return XCTFail("not AltBeacon") }
        XCTAssertEqual(got, id)
    }

    func testWLK1WinsOverEIDAndStaticInOneAdvertisement() {
        let wlk1 = WLK1Frame.advertisingPayload(token: Block128(hi: 1, lo: 2))
        let eid = Array(EddystoneEID.advertisingPayload(eid: 7).dropFirst(3))
        let ibeacon = Array(Hex.bytes("1aff4c000215e2c56db5dffb48d2b060d0f5a71096e00001000cc5"))
        XCTAssertEqual(AdvertisingData.evidence(in: ibeacon + eid).kind, "eid")
        XCTAssertEqual(AdvertisingData.evidence(in: Array(ibeacon + Array(wlk1.dropFirst(3)))).kind, "wlk1")
    }

    func testReportAddressBecomesTheSightingsAddress() {
        let data: [UInt8] = [0x02, 0x01, 0x06]
        let rpa = AdvertisingReport(isExtended: false, eventType: 0, addressType: 0x01, address: 0x708194_0DFBAA, rssi: -40, data: data[...])
        XCTAssertEqual(rpa.deviceAddress, DeviceAddress(value: 0x708194_0DFBAA, isRandom: true))
        XCTAssertTrue(rpa.deviceAddress?.isResolvablePrivate == true)
        let pub = AdvertisingReport(isExtended: true, eventType: 0, addressType: 0x00, address: 0x0012_3456_789A, rssi: nil, data: data[...])
        XCTAssertEqual(pub.deviceAddress, DeviceAddress(value: 0x0012_3456_789A, isRandom: false))
        let anonymous = AdvertisingReport(isExtended: true, eventType: 0, addressType: 0xFF, address: 0, rssi: nil, data: data[...])
        XCTAssertNil(anonymous.deviceAddress)
    }
}
