import Foundation
import XCTest
@testable import WelkomRadio
import WelkomTesting

/// The parsers a radio feeds with whatever is in the air or on the wire (H4 framing, HCI events,
/// AD structures, btsnoop records) take random and truncated input without crashing, and keep
/// their promises about what they return. Fuzz/ runs the same entry points under libFuzzer.
final class ParserRobustnessTests: XCTestCase {
    /// Seeded per test (WELKOM_TEST_SEED to replay; printed when a test fails).
    lazy var generator = TestSeed.generator(for: self)

    func randomBytes(_ range: ClosedRange<Int>) -> [UInt8] {
        (0..<Int.random(in: range, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A valid LE report event to cut short and to mutate.
    let legacyReport: [UInt8] = {
        let data: [UInt8] = [0x02, 0x01, 0x06, 0x0E, 0xFF, 0xFF, 0xFF, 0x57, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let parameters: [UInt8] = [0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 6, UInt8(data.count)] + data + [0xC4]
        return [0x3E, UInt8(parameters.count)] + parameters
    }()

    func testH4DecoderOnRandomStreams() {
        for _ in 0..<2_000 {
            var decoder = H4Decoder(accepting: H4Decoder.controllerToHost)
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                decoder.feed(randomBytes(0...300))
                while true {
                    do {
                        guard let p = try decoder.next() else { break }
                        XCTAssertNotEqual(p.type, .command)
                    } catch {
                        XCTAssertGreaterThan(error.skippedBytes, 0)
                    }
                }
            }
            XCTAssertLessThanOrEqual(decoder.bufferedByteCount, 4 + 65_535)
        }
    }

    func testDecodeWholeOnTruncatedAndRandomPackets() {
        let framed: [UInt8] = [0x04] + legacyReport
        XCTAssertNoThrow(try H4Decoder.decodeWhole(framed))
        for cut in 0..<framed.count {
            XCTAssertThrowsError(try H4Decoder.decodeWhole(framed.prefix(cut)), "cut at \(cut)")
        }
        for _ in 0..<5_000 { _ = try? H4Decoder.decodeWhole(randomBytes(0...64)) }
    }

    func testHCIEventDecodeOnTruncatedMutatedAndRandomEvents() {
        XCTAssertNoThrow(try HCIEvent.decode(H4Packet(type: .event, bytes: legacyReport)))
        for cut in 0..<legacyReport.count {
            var bytes = Array(legacyReport.prefix(cut))
            if bytes.count >= 2 { bytes[1] = UInt8(bytes.count - 2) }  // a consistent header, short content
            _ = try? HCIEvent.decode(H4Packet(type: .event, bytes: bytes))
        }
        for _ in 0..<20_000 {
            var bytes = legacyReport
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let event = try? HCIEvent.decode(H4Packet(type: .event, bytes: bytes)), case .advertisingReports(let reports) = event {
                for r in reports { XCTAssertLessThanOrEqual(r.data.count, bytes.count) }
            }
            var random = randomBytes(2...257)
            random[0] = [0x0E, 0x0F, 0x10, 0x3E].randomElement(using: &generator)!
            random[1] = UInt8(random.count - 2)
            if random[0] == 0x3E, random.count > 2 { random[2] = [0x02, 0x0D].randomElement(using: &generator)! }
            _ = try? HCIEvent.decode(H4Packet(type: .event, bytes: random))
        }
    }

    func testADStructuresOnRandomData() {
        for _ in 0..<20_000 {
            let data = randomBytes(0...255)
            let (structures, overrun) = AdvertisingData(data).structures()
            var end = 0
            for s in structures { end = s.offset + 2 + s.data.count; XCTAssertLessThanOrEqual(end, data.count) }
            if let overrun { XCTAssertGreaterThanOrEqual(overrun.offset, end) }
            _ = AdvertisingData.scan(data)
        }
    }

    func testSightingExtractorOnRandomEvents() {
        var extractor = SightingExtractor()
        for _ in 0..<10_000 {
            var bytes = randomBytes(3...257)
            bytes[0] = 0x3E
            bytes[1] = UInt8(bytes.count - 2)
            bytes[2] = [0x02, 0x0D].randomElement(using: &generator)!
            _ = try? extractor.sightings(in: H4Packet(type: .event, bytes: bytes), at: Date())
        }
        XCTAssertGreaterThan(extractor.stats.malformedReports, 0)
    }

    func testBtsnoopReaderOnDamagedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-fuzz-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.btsnoop").path
        let writer = try BtsnoopWriter(path: path)
        for _ in 0..<20 { try writer.write(packet: [0x04] + legacyReport, controllerToHost: true, at: Date()) }
        writer.close()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let recordSize = (whole.count - 16) / 20
        for _ in 0..<300 {
            var damaged = [UInt8](whole)
            // For a cut file: the whole records left, and whether it ends inside one.
            var expected: (records: Int, partial: Bool)?
            if Bool.random(using: &generator) {
                let length = Int.random(in: 0...damaged.count, using: &generator)
                damaged = Array(damaged.prefix(length))
                if length >= 16 { expected = ((length - 16) / recordSize, (length - 16) % recordSize != 0) }
            } else {
                for _ in 0..<8 { damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            }
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            if let reader = try? BtsnoopReader(path: path) {
                var records = 0, bytes = 0
                while let record = try? reader.next() {
                    records += 1
                    bytes += 24 + record.data.count
                    _ = reader.packetData(of: record)
                }
                XCTAssertLessThanOrEqual(bytes, damaged.count - 16, "records are never more than the file holds")
                if let expected {
                    XCTAssertEqual(records, expected.records, "a capture cut at \(damaged.count) bytes")
                    XCTAssertEqual(reader.endedInPartialRecord, expected.partial, "a capture cut at \(damaged.count) bytes")
                }
            } else {
                XCTAssertNil(expected, "a capture cut after its header opens")
            }
            let replay = try? CaptureReplay.sightings(inCapture: path)
            if let expected { XCTAssertEqual(replay?.records, expected.records, "replay of a capture cut at \(damaged.count) bytes") }
        }
    }
}

