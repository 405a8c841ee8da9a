import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRecogniser
import WelkomTesting

/// A stranger is never recognised: a million random tokens, a million random EIDs and a million
/// random RPAs against a large registry (docs/privacy-invariants.md, invariants 2 and 8).
final class StrangerTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let million = 1_000_000

    func testAMillionRandomTokensAndEIDsRecogniseNobody() {
        var rng = TestSeed.generator(for: self)
        var consents = (0..<100_000).map { ConsentKeys(customer: "c\($0)", beaconKey: Block128(hi: rng.next(), lo: rng.next())) }
        for i in 0..<1000 {
            consents[i].eid = EIDRegistration(identityKey: Block128(hi: rng.next(), lo: rng.next()),
                                              exponent: UInt8(i % 16), epoch: 1_690_000_000 + Int64(i))
        }
        var r = Recogniser(settings: .init(enabled: true), pepper: [UInt8](repeating: 1, count: 32))
        r.load(consents, at: t0)
        // The registry is live: a real token and a real EID are recognised.
        XCTAssertNotNil(r.recognise(Sighting(time: t0, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: consents[5].beaconKey!, at: t0)!), source: .radio)))
        XCTAssertNotNil(r.recognise(Sighting(time: t0, evidence: .eid(EddystoneEID.eid(consents[7].eid!, at: t0)!), source: .radio)))
        var recognised = 0
        for i in 0..<million {
            // Over 1,000 s: across a WLK1 window boundary and many EID periods (K = 0 rolls every second).
            let time = t0.addingTimeInterval(Double(i) / 1000)
            let token = Block128(hi: rng.next(), lo: rng.next())
            if r.recognise(Sighting(time: time, evidence: .wlk1(companyID: 0xFFFF, token: token), source: .radio)) != nil { recognised += 1 }
            if r.recognise(Sighting(time: time, evidence: .eid(rng.next()), source: .radio)) != nil { recognised += 1 }
        }
        XCTAssertEqual(recognised, 0)
    }

    /// Under the bound (100 IRKs, p ≈ 6.0e-6): chance matches happen at the rate the arithmetic
    /// says (≈ 6 in a million) and no more; above it (200 IRKs, p ≈ 1.2e-5 > 1e-5) the same chance
    /// matches exist but none of them is a recognition (invariant 8).
    func testAMillionRandomRPAsStayWithinTheBoundsArithmetic() {
        var rng = TestSeed.generator(for: self)
        for irkCount in [100, 200] {
            let irks = (0..<irkCount).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
            var r = Recogniser(settings: .init(enabled: true, rpaFalseMatchBound: 1e-5), pepper: [])
            r.load(irks.enumerated().map { ConsentKeys(customer: "i\($0.offset)", irk: $0.element) }, at: t0)
            let schedules = irks.flatMap { FastAES.schedule($0) }
            var recognised = 0, chanceMatches = 0
            for _ in 0..<million {
                let address = DeviceAddress(value: rng.next() & 0x3FFF_FFFF_FFFF | 0x4000_0000_0000, isRandom: true)
                let chance = schedules.withUnsafeBufferPointer {
                    FastAES.findRPA(schedules: $0, prand: address.prand, hash: address.hash) != nil
                }
                if chance { chanceMatches += 1 }
                if r.recognise(Sighting(time: t0, evidence: .other, source: .radio, address: address)) != nil { recognised += 1 }
            }
            let expected = Double(million) * ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: irkCount)
            // Poisson(6) or Poisson(12): more than 4× the mean has a chance below 1e-5.
            XCTAssertLessThanOrEqual(Double(chanceMatches), 4 * expected + 5, "\(irkCount) IRKs")
            if r.rpaMatchNeedsConfirmation {
                XCTAssertEqual(irkCount, 200)
                XCTAssertGreaterThan(chanceMatches, 0, "the arithmetic predicts ≈ 12 chance matches: the bound must have suppressed them")
                XCTAssertEqual(recognised, 0, "above the bound no RPA match alone is a recognition")
            } else {
                XCTAssertEqual(irkCount, 100)
                XCTAssertEqual(recognised, chanceMatches, "under the bound exactly the chance matches, nothing else")
            }
        }
    }
}
