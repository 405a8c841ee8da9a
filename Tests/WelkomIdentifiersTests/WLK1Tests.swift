import XCTest
import WelkomCore
@testable import WelkomIdentifiers

/// The vectors of docs/identifiers.md (WLK1), byte for byte.
final class WLK1Tests: XCTestCase {
    let beaconKey = Block128(hex: "000102030405060708090a0b0c0d0e0f")!

    func testTokenKeyVector() {
        XCTAssertEqual(WLK1.tokenKey(beaconKey: beaconKey).hex, "8bfa6e8c6e352909eab4e7bc6deae066")
    }

    func testWindows() {
        XCTAssertEqual(WLK1.window(at: Date(timeIntervalSince1970: 1_700_000_000)), 2_833_333)
        XCTAssertEqual(WLK1.window(at: Date(timeIntervalSince1970: 1_700_000_599)), 2_833_334)
        XCTAssertNil(WLK1.window(at: Date(timeIntervalSince1970: -1)))
    }

    func testTokenVectors() {
        XCTAssertEqual(WLK1.token(beaconKey: beaconKey, at: Date(timeIntervalSince1970: 1_700_000_000))?.hex,
                       "fb7438f19ef470f50bb3dd56d8a2135c")
        XCTAssertEqual(WLK1.token(beaconKey: beaconKey, at: Date(timeIntervalSince1970: 1_700_000_599))?.hex,
                       "8f9db5cc3d34197f11ec04336d601552")
    }

    func testPayloadVector() {
        let token = WLK1.token(beaconKey: beaconKey, at: Date(timeIntervalSince1970: 1_700_000_000))!
        XCTAssertEqual(Hex.encode(WLK1Frame.advertisingPayload(token: token, companyID: 0xFFFF)),
                       "02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")
        // A deployment's own company ID goes on air little-endian.
        XCTAssertEqual(Array(WLK1Frame.advertisingPayload(token: token, companyID: 0x0A12)[5...6]), [0x12, 0x0A])
    }

    func testAESAgainstFIPS197() {
        // FIPS-197 appendix C.1: a cross-check of the block function independent of WLK1.
        let key = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
        let plain = Block128(hex: "00112233445566778899aabbccddeeff")!
        XCTAssertEqual(AES128.encrypt(plain, key: key).hex, "69c4e0d86a7b0430d8cdb78070b4c55a")
    }

    func testCardPseudonymIsKeyed() {
        let pepperA = [UInt8](repeating: 1, count: 32), pepperB = [UInt8](repeating: 2, count: 32)
        let a = CardPseudonym.compute(pepper: pepperA, normalised: "4006381333931")
        XCTAssertEqual(a.count, 32)
        XCTAssertEqual(a, CardPseudonym.compute(pepper: pepperA, normalised: "4006381333931"))
        XCTAssertNotEqual(a, CardPseudonym.compute(pepper: pepperB, normalised: "4006381333931"))
        // RFC 4231 test case 2 pins the construction to HMAC-SHA256 itself.
        XCTAssertEqual(Hex.encode(CardPseudonym.compute(pepper: Array("Jefe".utf8), normalised: "what do ya want for nothing?")),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
