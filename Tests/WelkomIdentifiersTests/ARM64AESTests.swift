import Foundation
import XCTest
import WelkomCore
@testable import WelkomIdentifiers
import WelkomTesting

/// The ARMv8 crypto-extension path of Sources/CWelkomAES, which no x86-64 test machine runs natively:
/// its C sources and Tests/CrossArch/aes_check.c are cross-compiled for aarch64 and run under
/// qemu-aarch64 (`-cpu max` has the AES instructions), then held, with the portable path of the same
/// binary, against FIPS-197, the spec vectors and Python's `cryptography` on random keys.
/// Needs Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user (`make deps-test`); without them it fails.
final class ARM64AESTests: XCTestCase {
    let implementations = ["armv8-ce", "portable"]
    let fipsKey = "000102030405060708090a0b0c0d0e0f"

    func testRunTimeDispatchChoosesARMv8WhereTheKernelReportsAES() throws {
        XCTAssertEqual(try ARM64Driver.run(["cpu"]), ["armv8-ce hwcap-aes=1"])
    }

    func testFIPS197OnARMv8AndPortable() throws {
        for impl in implementations {
            let out = try ARM64Driver.run([
                "blocks \(impl) \(fipsKey) 00112233445566778899aabbccddeeff",  // FIPS-197 C.1
                "blocks \(impl) 2b7e151628aed2a6abf7158809cf4f3c 3243f6a8885a308d313198a2e0370734",  // Appendix B
                "keys \(impl) 00112233445566778899aabbccddeeff \(fipsKey)",
                "schedules \(impl) 00112233445566778899aabbccddeeff \(fipsKey)",
                "schedule \(impl) 2b7e151628aed2a6abf7158809cf4f3c",
            ])
            XCTAssertEqual(out.count, 5)
            XCTAssertEqual(Array(out.prefix(4)), ["69c4e0d86a7b0430d8cdb78070b4c55a", "3925841d02dc09fbdc118597196a0b32",
                                                  "69c4e0d86a7b0430d8cdb78070b4c55a", "69c4e0d86a7b0430d8cdb78070b4c55a"], impl)
            XCTAssertEqual(out.last.map { String($0.suffix(32)) }, "d014f9a8c9ee2589e13f0cc8b6630ca6", "last round key via \(impl)")
        }
    }

    func testSpecVectorsOnARMv8AndPortable() throws {
        var rng = TestSeed.generator(for: self)
        let tokenKey = "8bfa6e8c6e352909eab4e7bc6deae066"
        let irk = "ec0234a357c8ad05341010a60a397d9b"
        for impl in implementations {
            let wlk1 = try ARM64Driver.run([UInt32(2_833_333), 2_833_334].map { "keys \(impl) \(WLK1.plaintext(window: $0).hex) \(tokenKey)" })
            XCTAssertEqual(wlk1, ["fb7438f19ef470f50bb3dd56d8a2135c", "8f9db5cc3d34197f11ec04336d601552"], "WLK1 via \(impl)")

            for (counter, eid) in [(UInt32(65280), "3439c83a6564bfdf"), (1_000_000, "47e10fa56389d60e")] {
                XCTAssertEqual(try eidVia(impl, identityKey: fipsKey, exponent: 10, counter: counter), eid, "EID \(counter) via \(impl)")
            }

            XCTAssertEqual(try ARM64Driver.run(["keys \(impl) \(ResolvablePrivateAddress.plaintext(prand: 0x708194).hex) \(irk)"])
                .first?.suffix(6), "0dfbaa", "ah via \(impl)")
            // The IRK alone, inside a 4-wide batch, and in the tail after the batches.
            let other = (0..<9).map { _ in Block128(hi: rng.next(), lo: rng.next()).hex }
            var inBatch = other, inTail = other
            inBatch[5] = irk
            inTail[8] = irk
            let found = try ARM64Driver.run([
                "rpa \(impl) 708194 0dfbaa \(irk)",
                "rpa \(impl) 708194 0dfbaa \(inBatch.joined(separator: " "))",
                "rpa \(impl) 708194 0dfbaa \(inTail.joined(separator: " "))",
                "rpa \(impl) 708194 0dfbab \(irk)",
                // Only the low 24 bits of the hash count (CWelkomAES.h), in the batch and the tail alike.
                "rpa \(impl) 708194 ff0dfbaa \(inBatch.joined(separator: " "))",
                "rpa \(impl) 708194 ff0dfbaa \(irk)",
            ])
            // A random IRK matches 0dfbaa by chance with probability 2^-24 each: not worth a retry.
            XCTAssertEqual(found, ["0", "5", "8", "none", "5", "0"], "RPA resolution via \(impl)")
        }
    }

    func testRandomKeysAgainstPythonCryptography() throws {
        var rng = TestSeed.generator(for: self)
        func random() -> String { Block128(hi: rng.next(), lo: rng.next()).hex }
        // 37 keys and 11 blocks: not multiples of the 4-wide batches, so the tails run too.
        let keys = (0..<37).map { _ in random() }, block = random()
        let blocks = (0..<11).map { _ in random() }
        let pairs = (0..<200).map { _ in (random(), random()) }
        let python = try CryptoOracle.ask(keys.map { "aes \($0) \(block)" } + blocks.map { "aes \(keys[0]) \($0)" }
            + pairs.map { "aes \($0.0) \($0.1)" })
        let expected = [python[0..<37].joined(separator: " "), python[0..<37].joined(separator: " "),
                        python[37..<48].joined(separator: " ")] + python[48...]
        for impl in implementations {
            let out = try ARM64Driver.run([
                "keys \(impl) \(block) \(keys.joined(separator: " "))",
                "schedules \(impl) \(block) \(keys.joined(separator: " "))",
                "blocks \(impl) \(keys[0]) \(blocks.joined(separator: " "))",
            ] + pairs.map { "blocks \(impl) \($0.0) \($0.1)" })
            XCTAssertEqual(out, expected, "AES via \(impl) against OpenSSL")
        }
    }

    func testRandomEIDsAndRPAsAgainstPythonCryptography() throws {
        var rng = TestSeed.generator(for: self)
        let cases = (0..<20).map { _ in (Block128(hi: rng.next(), lo: rng.next()).hex, UInt8.random(in: 0...15, using: &rng), UInt32.random(in: 0 ... .max, using: &rng)) }
        let eids = try CryptoOracle.ask(cases.map { "eid \($0.0) \($0.1) \($0.2)" })

        let irks = (0..<37).map { _ in Block128(hi: rng.next(), lo: rng.next()).hex }
        let prand = String(format: "%06x", UInt32.random(in: 0x40_0000 ... 0x7F_FFFF, using: &rng))
        let hashes = try CryptoOracle.ask(irks.map { "ah \($0) \(prand)" })
        // Targets in the first batch, a middle one, and the tail; expect every index with that hash.
        let targets = [0, 3, 4, 17, 35, 36]
        let expected = targets.map { t in hashes.indices.filter { hashes[$0] == hashes[t] }.map(String.init).joined(separator: " ") }
        for impl in implementations {
            for ((key, k, counter), eid) in zip(cases, eids) {
                XCTAssertEqual(try eidVia(impl, identityKey: key, exponent: k, counter: counter), eid, "EID via \(impl)")
            }
            let found = try ARM64Driver.run(targets.map { "rpa \(impl) \(prand) \(hashes[$0]) \(irks.joined(separator: " "))" })
            XCTAssertEqual(found, expected, "RPA resolution via \(impl) against OpenSSL")
        }
    }

    /// The Eddystone EID through the driver's many-keys call, as the recogniser computes it.
    private func eidVia(_ impl: String, identityKey: String, exponent: UInt8, counter: UInt32) throws -> String? {
        guard let temp = try ARM64Driver.run(["keys \(impl) \(EddystoneEID.tempKeyPlaintext(counter: counter).hex) \(identityKey)"]).first
        else { return nil }
        return try ARM64Driver.run(["keys \(impl) \(EddystoneEID.eidPlaintext(counter: counter, exponent: exponent).hex) \(temp)"])
            .first.map { String($0.prefix(16)) }
    }
}

/// Tests/CrossArch/aes_check.c with Sources/CWelkomAES, built once per test run for aarch64 and run
/// under qemu-aarch64. Built for plain armv8-a (no +crypto), as SwiftPM builds on arm64, so the
/// per-function target attributes alone must make the AES instructions available.
enum ARM64Driver {
    static let compiler = "aarch64-linux-gnu-gcc", emulator = "qemu-aarch64"

    static let built: Result<URL, any Error> = Result { try build() }

    /// Sends the request lines, returns one answer per line.
    static func run(_ requests: [String]) throws -> [String] {
        let binary = try built.get()
        let (status, out, err) = try execute(try tool(emulator), ["-cpu", "max", binary.path],
                                             input: requests.joined(separator: "\n") + "\n")
        guard status == 0 else { throw OracleError("aes_check under \(emulator) exited \(status): \(err)") }
        let lines = out.split(separator: "\n").map(String.init)
        guard lines.count == requests.count else {
            throw OracleError("aes_check answered \(lines.count) of \(requests.count) requests: \(err)")
        }
        return lines
    }

    private static func build() throws -> URL {
        let root = CryptoOracle.packageRoot
        let sources = root.appendingPathComponent("Sources/CWelkomAES")
        let cFiles = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".c") }.sorted()
        guard cFiles.contains("aes_arm.c") else { throw OracleError("no aes_arm.c in \(sources.path)") }
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-aes-check-\(UUID().uuidString)")
        // Static, so qemu needs no aarch64 libraries at run time.
        let args = ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-march=armv8-a", "-static",
                    "-I", sources.appendingPathComponent("include").path]
            + cFiles.map { sources.appendingPathComponent($0).path }
            + [root.appendingPathComponent("Tests/CrossArch/aes_check.c").path, "-o", binary.path]
        let (status, _, err) = try execute(try tool(compiler), args, input: "")
        guard status == 0 else { throw OracleError("\(compiler) failed (\(status)):\n\(err)") }
        return binary
    }

    /// The tool's path on PATH, or an error that says which Debian package brings it.
    private static func tool(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw OracleError("\(name) is not on PATH: install Debian's gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user (`make deps-test`)")
    }

    private static func execute(_ tool: URL, _ args: [String], input: String) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = tool
        p.arguments = args
        // Input from a file and errors to a file: only stdout is a pipe, so no pipe can fill and stall.
        let dir = FileManager.default.temporaryDirectory
        let inFile = dir.appendingPathComponent("welkom-aes-check-\(UUID().uuidString).in")
        let errFile = dir.appendingPathComponent("welkom-aes-check-\(UUID().uuidString).err")
        try Data(input.utf8).write(to: inFile)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: inFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        p.standardInput = try FileHandle(forReadingFrom: inFile)
        p.standardError = try FileHandle(forWritingTo: errFile)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), err)
    }
}
