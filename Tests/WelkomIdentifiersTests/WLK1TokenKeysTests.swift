import XCTest
import WelkomCore
@testable import WelkomIdentifiers
import WelkomTesting

/// The bulk derivation is the HKDF of the spec (WLK1.tokenKey, Swift Crypto's HKDF) written out by
/// hand: it must give the same key for every beacon key, on one thread and split over several.
final class WLK1TokenKeysTests: XCTestCase {
    func testSpecBeaconKeyGivesTheSpecTokenKey() {
        // docs/identifiers.md's example beacon key (the recogniser's spec token test uses it too).
        let beaconKey = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
        XCTAssertEqual(WLK1TokenKeys.derive([beaconKey]), [WLK1.tokenKey(beaconKey: beaconKey)])
        XCTAssertEqual(WLK1TokenKeys.Deriver().tokenKey(beaconKey), WLK1.tokenKey(beaconKey: beaconKey))
    }

    func testManyRandomKeysMatchTheReferenceHKDFInOrder() {
        var rng = TestSeed.generator(for: self)
        // More than one chunk's worth, so the split over threads is exercised, and a ragged end.
        let keys = (0..<5_003).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        let derived = WLK1TokenKeys.derive(keys)
        XCTAssertEqual(derived.count, keys.count)
        for (i, key) in keys.enumerated() where derived[i] != WLK1.tokenKey(beaconKey: key) {
            return XCTFail("key \(i) differs from the reference HKDF")
        }
    }

    func testBackgroundDerivationGivesTheSameKeys() {
        var rng = TestSeed.generator(for: self)
        let keys = (0..<3_000).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        XCTAssertEqual(WLK1TokenKeys.Background(keys).wait(), WLK1TokenKeys.derive(keys))
        XCTAssertEqual(WLK1TokenKeys.Background([]).wait(), [])
    }
}
