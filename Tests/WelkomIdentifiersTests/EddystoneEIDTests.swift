import XCTest
import WelkomCore
@testable import WelkomIdentifiers
import WelkomTesting

/// docs/identifiers.md (Eddystone-EID) byte for byte, and random keys against Python's `cryptography`.
final class EddystoneEIDTests: XCTestCase {
    let key = Block128(hex: "000102030405060708090a0b0c0d0e0f")!

    func testSpecVectors() {
        XCTAssertEqual(EddystoneEID.eid(identityKey: key, exponent: 10, counter: 65280), 0x3439_c83a_6564_bfdf)
        XCTAssertEqual(EddystoneEID.eid(identityKey: key, exponent: 10, counter: 1_000_000), 0x47e1_0fa5_6389_d60e)
    }

    func testCounterLowBitsAreClearedWithinAPeriod() {
        // K = 10: every counter in one 1024-second period gives the same EID, the next one differs.
        let start: UInt32 = 1_000_000 & ~1023
        let e = EddystoneEID.eid(identityKey: key, exponent: 10, counter: start)
        XCTAssertEqual(EddystoneEID.eid(identityKey: key, exponent: 10, counter: start + 1023), e)
        XCTAssertNotEqual(EddystoneEID.eid(identityKey: key, exponent: 10, counter: start + 1024), e)
    }

    func testEpochOffset() {
        let r = EIDRegistration(identityKey: key, exponent: 10, epoch: 1_600_000_000)
        XCTAssertEqual(EddystoneEID.eid(r, at: Date(timeIntervalSince1970: 1_600_065_280)), 0x3439_c83a_6564_bfdf)
        XCTAssertNil(EddystoneEID.eid(r, at: Date(timeIntervalSince1970: 1_599_999_999)), "before the beacon's epoch")
        XCTAssertNil(EddystoneEID.counter(unixSeconds: 1_600_000_000 + (1 << 32), epoch: 1_600_000_000), "beyond 32 bits")
    }

    func testFramePayload() {
        XCTAssertEqual(Hex.encode(EddystoneEID.advertisingPayload(eid: 0x3439_c83a_6564_bfdf, txPower: -20)),
                       "0201060303aafe0d16aafe30ec3439c83a6564bfdf")
    }

    func testRandomKeysAgainstPythonCryptography() throws {
        var rng = TestSeed.generator(for: self)
        var cases: [(Block128, UInt8, UInt32)] = []
        for _ in 0..<300 {
            cases.append((Block128(hi: rng.next(), lo: rng.next()), UInt8.random(in: 0...15, using: &rng), rng.next()))
        }
        let answers = try CryptoOracle.ask(cases.map { "eid \($0.0.hex) \($0.1) \($0.2)" })
        for ((k, e, c), answer) in zip(cases, answers) {
            let mine = EddystoneEID.eid(identityKey: k, exponent: e, counter: c)
            XCTAssertEqual(String(format: "%016llx", mine), answer, "key \(k.hex) K \(e) counter \(c)")
        }
    }
}
