import XCTest
import WelkomCore
@testable import WelkomIdentifiers
import WelkomTesting

/// Every AES implementation of the C core that this CPU runs, against FIPS-197, the spec vectors,
/// swift-crypto and Python's `cryptography`. The portable one runs everywhere; on x86-64 the
/// AES-NI one must be available (every x86-64 gateway we support has it), on arm64 the ARMv8 one.
final class FastAESTests: XCTestCase {
    var implementations: [FastAES.Implementation] { FastAES.Implementation.allCases.filter(\.isAvailable) }

    func testTheHardwareImplementationIsChosenWhereTheCPUHasOne() {
        #if arch(x86_64)
        XCTAssertEqual(FastAES.best, .x86AESNI)
        XCTAssertFalse(FastAES.Implementation.armv8.isAvailable)
        #elseif arch(arm64)
        XCTAssertEqual(FastAES.best, .armv8)
        #endif
        XCTAssertTrue(FastAES.Implementation.portable.isAvailable)
        XCTAssertGreaterThanOrEqual(implementations.count, 2, "a hardware implementation and the portable one")
    }

    func testFIPS197AndScheduleForEveryImplementation() {
        let key = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
        let plain = Block128(hex: "00112233445566778899aabbccddeeff")!
        // FIPS-197 A.1's key: the last round key of 2b7e1516… is d014f9a8c9ee2589e13f0cc8b6630ca6.
        let fipsKey = Block128(hex: "2b7e151628aed2a6abf7158809cf4f3c")!
        for impl in implementations {
            XCTAssertEqual(FastAES.encrypt(plain, key: key, implementation: impl).hex, "69c4e0d86a7b0430d8cdb78070b4c55a", "\(impl)")
            XCTAssertEqual(Hex.encode(FastAES.schedule(fipsKey, implementation: impl).suffix(16)),
                           "d014f9a8c9ee2589e13f0cc8b6630ca6", "\(impl)")
        }
    }

    func testSpecVectorsThroughEveryImplementation() {
        let irk = Block128(hex: "ec0234a357c8ad05341010a60a397d9b")!
        let tokenKey = Block128(hex: "8bfa6e8c6e352909eab4e7bc6deae066")!
        for impl in implementations {
            XCTAssertEqual(FastAES.encrypt(WLK1.plaintext(window: 2_833_333), key: tokenKey, implementation: impl).hex,
                           "fb7438f19ef470f50bb3dd56d8a2135c", "WLK1 via \(impl)")
            let temp = FastAES.encrypt(EddystoneEID.tempKeyPlaintext(counter: 65280),
                                       key: Block128(hex: "000102030405060708090a0b0c0d0e0f")!, implementation: impl)
            XCTAssertEqual(FastAES.encrypt(EddystoneEID.eidPlaintext(counter: 65280, exponent: 10), key: temp, implementation: impl).hi,
                           0x3439_c83a_6564_bfdf, "EID via \(impl)")
            let schedules = FastAES.schedule(irk, implementation: impl)
            let found = schedules.withUnsafeBufferPointer {
                FastAES.findRPA(schedules: $0, prand: 0x708194, hash: 0x0DFBAA, implementation: impl)
            }
            XCTAssertEqual(found, 0, "ah via \(impl)")
        }
    }

    func testBatchesAgreeWithSwiftCryptoAndPython() throws {
        var rng = TestSeed.generator(for: self)
        // 37 keys: not a multiple of the 4- and 8-wide batches, so the tails run too.
        let keys = (0..<37).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        let block = Block128(hi: rng.next(), lo: rng.next())
        let reference = keys.map { AES128.encrypt(block, key: $0) }
        let python = try CryptoOracle.ask(keys.map { "aes \($0.hex) \(block.hex)" })
        XCTAssertEqual(reference.map(\.hex), python, "swift-crypto against OpenSSL")
        for impl in implementations {
            var viaKeys: [Block128] = []
            FastAES.encrypt(keys: keys, block: block, implementation: impl) { viaKeys = Array($0) }
            XCTAssertEqual(viaKeys, reference, "many keys via \(impl)")
            let schedules = keys.flatMap { FastAES.schedule($0, implementation: impl) }
            XCTAssertEqual(FastAES.encrypt(schedules: schedules, block: block, implementation: impl), reference, "schedules via \(impl)")
            // Many blocks under one key (the 4-wide path and its tail).
            let blocks = (0..<11).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
            let out = FastAES.encryptBlocks(blocks.flatMap(\.bytes), schedule: FastAES.schedule(keys[0], implementation: impl),
                                            implementation: impl)
            XCTAssertEqual(stride(from: 0, to: out.count, by: 16).map { Block128(bytes: out[$0..<$0 + 16])! },
                           blocks.map { AES128.encrypt($0, key: keys[0]) }, "blocks via \(impl)")
        }
    }

    func testRandomAESAgainstPythonForEveryImplementation() throws {
        var rng = TestSeed.generator(for: self)
        let cases = (0..<200).map { _ in (Block128(hi: rng.next(), lo: rng.next()), Block128(hi: rng.next(), lo: rng.next())) }
        let answers = try CryptoOracle.ask(cases.map { "aes \($0.0.hex) \($0.1.hex)" })
        for impl in implementations {
            for ((k, b), answer) in zip(cases, answers) {
                XCTAssertEqual(FastAES.encrypt(b, key: k, implementation: impl).hex, answer, "\(impl)")
            }
        }
    }

    func testRPAFindReportsEveryMatchAndNoneForOthers() throws {
        var rng = TestSeed.generator(for: self)
        let irks = (0..<50).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        let prands = (0..<50).map { _ in UInt32.random(in: 0...0xFF_FFFF, using: &rng) }
        let python = try CryptoOracle.ask(zip(irks, prands).map { "ah \($0.0.hex) \(String(format: "%06x", $0.1))" })
        for impl in implementations {
            let schedules = irks.flatMap { FastAES.schedule($0, implementation: impl) }
            for (i, (p, answer)) in zip(prands, python).enumerated() {
                guard let hash = UInt32(answer, radix: 16) else { return XCTFail("oracle said \(answer)") }
                // The IRK that made it is found, scanning from the start or from just before it.
                let all = schedules.withUnsafeBufferPointer { buf -> [Int] in
                    var found: [Int] = []
                    var from = 0
                    while let f = FastAES.findRPA(schedules: buf, from: from, prand: p, hash: hash, implementation: impl) {
                        found.append(f)
                        from = f + 1
                    }
                    return found
                }
                XCTAssertTrue(all.contains(i), "IRK \(i) via \(impl)")
                for f in all where f != i {
                    XCTAssertEqual(ResolvablePrivateAddress.ah(irk: irks[f], prand: p), hash, "a reported match is a real match")
                }
            }
        }
    }
}
