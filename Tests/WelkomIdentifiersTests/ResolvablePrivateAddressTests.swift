import XCTest
import WelkomCore
@testable import WelkomIdentifiers
import WelkomTesting

/// Bluetooth Core Vol 3 Part H §2.2.2 (docs/identifiers.md, RPAs) and random IRKs against Python.
final class ResolvablePrivateAddressTests: XCTestCase {
    let irk = Block128(hex: "ec0234a357c8ad05341010a60a397d9b")!

    func testSpecSample() {
        XCTAssertEqual(ResolvablePrivateAddress.ah(irk: irk, prand: 0x708194), 0x0DFBAA)
        let address = ResolvablePrivateAddress.address(irk: irk, prand: 0x708194)
        XCTAssertEqual(address.formatted, "70:81:94:0D:FB:AA")
        XCTAssertTrue(address.isResolvablePrivate)
        XCTAssertTrue(ResolvablePrivateAddress.resolves(address, irk: irk))
        XCTAssertFalse(ResolvablePrivateAddress.resolves(DeviceAddress(value: 0x708194_0DFBAB, isRandom: true), irk: irk))
        XCTAssertFalse(ResolvablePrivateAddress.resolves(DeviceAddress(value: 0x708194_0DFBAA, isRandom: false), irk: irk),
                       "a public address is never an RPA")
    }

    func testBoundArithmetic() {
        XCTAssertEqual(ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: 100_000), 100_000 / 16_777_216.0)
        XCTAssertEqual(ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: 100_000), 0.006, accuracy: 0.0001)
        XCTAssertLessThan(ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: 167), 1e-5)
        XCTAssertGreaterThan(ResolvablePrivateAddress.falseMatchChance(enrolledIRKs: 168), 1e-5)
    }

    func testRandomIRKsAgainstPythonCryptography() throws {
        var rng = TestSeed.generator(for: self)
        let cases = (0..<300).map { _ in (Block128(hi: rng.next(), lo: rng.next()), UInt32.random(in: 0...0xFF_FFFF, using: &rng)) }
        let answers = try CryptoOracle.ask(cases.map { "ah \($0.0.hex) \(String(format: "%06x", $0.1))" })
        for ((k, p), answer) in zip(cases, answers) {
            XCTAssertEqual(String(format: "%06x", ResolvablePrivateAddress.ah(irk: k, prand: p)), answer)
        }
    }
}
