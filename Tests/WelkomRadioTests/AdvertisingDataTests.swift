import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRadio

final class AdvertisingDataTests: XCTestCase {
    let specPayload = Hex.bytes("02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")

    func testSpecPayloadGivesTheSpecToken() {
        guard case .wlk1(let company, let token) = AdvertisingData.evidence(in: specPayload) else {
            return XCTFail("no WLK1 frame found")
        }
        XCTAssertEqual(company, 0xFFFF)
        XCTAssertEqual(token.hex, "fb7438f19ef470f50bb3dd56d8a2135c")
        // Any collection of bytes will do: a slice, a non-contiguous sequence view.
        XCTAssertEqual(AdvertisingData.evidence(in: specPayload[...]).kind, "wlk1")
        XCTAssertEqual(AdvertisingData.evidence(in: specPayload.lazy.map { $0 }).kind, "wlk1")
    }

    func testCompanyIsLittleEndianOnAir() {
        let token = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
        let payload = WLK1Frame.advertisingPayload(token: token, companyID: 0x0A1B)
        XCTAssertEqual(Array(payload[5...6]), [0x1B, 0x0A])
        guard case .wlk1(let company, let got) = AdvertisingData.evidence(in: payload) else { return XCTFail() }
        XCTAssertEqual(company, 0x0A1B)
        XCTAssertEqual(got, token)
    }

    func testNotWLK1IsOther() {
        // Wrong frame type, wrong version, wrong length, other AD types, empty.
        var wrongType = specPayload; wrongType[7] = 0x58
        var wrongVersion = specPayload; wrongVersion[8] = 0x02
        let short = Hex.bytes("020106") + [0x14, 0xFF, 0xFF, 0xFF, 0x57, 0x01] + Array(repeating: 0, count: 15)
        // An Eddystone frame other than EID (0x10 URL) is not evidence either (EID: AdvertisingSchemesTests).
        let eddystoneURL = Hex.bytes("0201060303aafe0d16aafe10e73439c83a6564bfdf")
        for payload in [wrongType, wrongVersion, short, eddystoneURL, []] {
            XCTAssertEqual(AdvertisingData.evidence(in: payload).kind, "other", "\(payload)")
        }
    }

    func testOverrunKeepsWhatParsedBefore() {
        // WLK1 first, then a structure claiming 9 bytes with 2 left.
        let payload = Array(specPayload.dropFirst(3)) + [0x09, 0x09, 0x41, 0x42]
        let scan = AdvertisingData.scan(payload)
        XCTAssertEqual(scan.evidence.kind, "wlk1")
        XCTAssertEqual(scan.overrun, AdvertisingDataError(offset: 22, declaredLength: 9, available: 3))
        XCTAssertTrue("\(scan.overrun!)".contains("offset 22 declares 9 bytes but only 3 remain"))

        // The overrun before the WLK1 frame: nothing after it is trusted.
        let early = [0x1E, 0x01, 0x06] + specPayload
        let scan2 = AdvertisingData.scan(early)
        XCTAssertEqual(scan2.evidence.kind, "other")
        XCTAssertEqual(scan2.overrun?.offset, 0)

        let (structures, error) = AdvertisingData(payload).structures()
        XCTAssertEqual(structures.map(\.type), [0xFF])
        XCTAssertEqual(structures.first?.data.count, 20)
        XCTAssertEqual(error?.offset, 22)
    }

    func testIterationAndPadding() {
        let padded = specPayload + [0x00, 0x00, 0x00]
        let types = AdvertisingData(padded).map(\.type)
        XCTAssertEqual(types, [0x01, 0xFF])
        XCTAssertNil(AdvertisingData.scan(padded).overrun)
        XCTAssertEqual(AdvertisingData.evidence(in: padded).kind, "wlk1")
        let flags = AdvertisingData(specPayload).first { $0.type == ADStructure.flags }
        XCTAssertEqual(flags.map { Array($0.data) }, [0x06])
    }

    func testExtractionIsFastEnoughToNotice() {
        // A sanity guard, not the benchmark: a million reports must parse well inside a second
        // even in a debug build, or something allocates per report.
        let payloads = [specPayload, Hex.bytes("0201060303aafe0d16aafe30e73439c83a6564bfdf")]
        let start = ContinuousClock.now
        var wlk1 = 0
        for i in 0..<1_000_000 {
            if case .wlk1 = AdvertisingData.evidence(in: payloads[i & 1]) { wlk1 += 1 }
        }
        XCTAssertEqual(wlk1, 500_000)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
    }
}
