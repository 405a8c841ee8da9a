import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRecogniser
import WelkomTesting

final class RecogniserTests: XCTestCase {
    let pepper = [UInt8](repeating: 7, count: 32)
    let annaKey = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)  // window 2833333

    func makeRecogniser(enabled: Bool = true, skew: Int = 1) -> Recogniser {
        var r = Recogniser(settings: .init(enabled: enabled, companyID: 0xFFFF, skewWindows: skew), pepper: pepper)
        r.load([
            ConsentKeys(customer: "anna", beaconKey: annaKey),
            ConsentKeys(customer: "ben", cardPseudonyms: [CardPseudonym.compute(pepper: pepper, normalised: "4006381333931")]),
        ], at: t0)
        return r
    }

    func wlk1(_ key: Block128, window: UInt32, at time: Date, company: UInt16 = 0xFFFF) -> Sighting {
        let token = WLK1.token(tokenKey: WLK1.tokenKey(beaconKey: key), window: window)
        return Sighting(time: time, evidence: .wlk1(companyID: company, token: token), rssi: -50, source: .radio)
    }

    func testSpecTokenIsRecognised() {
        var r = makeRecogniser()
        let s = Sighting(time: t0, evidence: .wlk1(companyID: 0xFFFF, token: Block128(hex: "fb7438f19ef470f50bb3dd56d8a2135c")!),
                         rssi: -61, source: .radio)
        XCTAssertEqual(r.recognise(s), Recognition(customer: "anna", scheme: .wlk1, time: t0, till: nil, rssi: -61))
    }

    func testSkewOneAcceptsNeighboursButNotTwoAway() {
        var r = makeRecogniser(skew: 1)
        for offset in [-1, 0, 1] {
            XCTAssertEqual(r.recognise(wlk1(annaKey, window: UInt32(2_833_333 + offset), at: t0))?.customer, "anna", "offset \(offset)")
        }
        for offset in [-2, 2] {
            XCTAssertNil(r.recognise(wlk1(annaKey, window: UInt32(2_833_333 + offset), at: t0)), "offset \(offset)")
        }
    }

    func testTableRollsWithTheSightingsClock() {
        var r = makeRecogniser(skew: 1)
        let later = t0.addingTimeInterval(3 * 600)
        XCTAssertEqual(r.recognise(wlk1(annaKey, window: 2_833_336, at: later))?.customer, "anna")
        XCTAssertEqual(r.centreWindow, 2_833_336)
        // The old window's token has rolled out.
        XCTAssertNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: later)))
    }

    func testOtherCompanyIDIsNotAMatch() {
        var r = makeRecogniser()
        XCTAssertNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0, company: 0x0059)))
    }

    func testCardByPseudonym() {
        var r = makeRecogniser()
        let scan = Sighting(time: t0, evidence: .card(normalised: "4006381333931"), till: "2", source: .card)
        XCTAssertEqual(r.recognise(scan), Recognition(customer: "ben", scheme: .card, time: t0, till: "2"))
        XCTAssertNil(r.recognise(Sighting(time: t0, evidence: .card(normalised: "8712345678906"), till: "2", source: .card)))
    }

    func testDisabledRecognisesNobody() {
        var r = makeRecogniser(enabled: false)
        XCTAssertEqual(r.customerCount, 0)
        XCTAssertNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0)))
        XCTAssertNil(r.recognise(Sighting(time: t0, evidence: .card(normalised: "4006381333931"), source: .card)))
    }

    func testWithdrawnCustomerIsGoneAfterReload() {
        var r = makeRecogniser()
        XCTAssertNotNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0)))
        r.load([ConsentKeys(customer: "ben", cardPseudonyms: [])], at: t0)
        XCTAssertNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0)))
    }

    func testExpiredConsentIsNotRecognised() {
        var r = Recogniser(settings: .init(enabled: true), pepper: pepper)
        r.load([ConsentKeys(customer: "anna", beaconKey: annaKey, expires: t0.addingTimeInterval(60))], at: t0)
        XCTAssertNotNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0)))
        XCTAssertNil(r.recognise(wlk1(annaKey, window: 2_833_333, at: t0.addingTimeInterval(60))))
    }

    func testManyStrangersNeverMatch() {
        var r = Recogniser(settings: .init(enabled: true), pepper: pepper)
        var generator = TestSeed.generator(for: self)
        let enrolled = (0..<200).map { i in ConsentKeys(customer: "c\(i)", beaconKey: Block128(hi: generator.next(), lo: generator.next())) }
        r.load(enrolled, at: t0)
        for _ in 0..<20_000 {
            let token = Block128(hi: generator.next(), lo: generator.next())
            XCTAssertNil(r.recognise(Sighting(time: t0, evidence: .wlk1(companyID: 0xFFFF, token: token), source: .radio)))
        }
    }
}
