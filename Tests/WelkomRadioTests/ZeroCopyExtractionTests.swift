import Foundation
import XCTest
@testable import WelkomRadio
import WelkomCore
import WelkomTesting

/// The zero-copy path (`SightingExtractor.appendSightings`, reading reports straight from a
/// buffer) and the copying one (`sightings(in:)` on a decoded packet) give the same sightings and
/// the same counts for every packet: valid ones, cut ones, mutated ones, random ones. Where the
/// fast path declines a packet it must have counted nothing, so its caller can hand it on.
final class ZeroCopyExtractionTests: XCTestCase {
    /// Seeded per test (WELKOM_TEST_SEED to replay; printed when a test fails).
    lazy var generator = TestSeed.generator(for: self)

    func testBothPathsAgreeOnValidMutatedAndRandomReportEvents() {
        var fast = SightingExtractor(), slow = SightingExtractor()
        var judgedFast = 0, sightingsSeen = 0
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        for round in 0..<20_000 {
            var packet = reportEvent(extended: Bool.random(using: &generator), reports: Int.random(in: 0...4, using: &generator))
            switch round % 4 {
            case 1:  // mutated: lengths and counts no longer fit, or fit differently
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    packet[Int.random(in: 0..<packet.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case 2:  // cut short, with a consistent or an inconsistent length byte
                packet = Array(packet.prefix(Int.random(in: 0...packet.count, using: &generator)))
                if packet.count >= 2, Bool.random(using: &generator) { packet[1] = UInt8(truncatingIfNeeded: packet.count - 2) }
            case 3:  // random parameters behind a plausible header
                packet = [0x3E, 0, [0x02, 0x0D, 0x03].randomElement(using: &generator)!]
                    + (0..<Int.random(in: 0...60, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                packet[1] = UInt8(truncatingIfNeeded: packet.count - 2)
            default: break
            }
            let before = fast.stats
            var viaFast: [Sighting] = []
            let judged = packet.withUnsafeBytes { fast.appendSightings(h4Type: 0x04, packet: $0, at: time, into: &viaFast) }
            if judged {
                judgedFast += 1
            } else {
                XCTAssertEqual(fast.stats, before, "a declined packet must leave the counts alone: \(packet)")
                XCTAssertTrue(viaFast.isEmpty)
                viaFast = (try? fast.sightings(in: H4Packet(type: .event, bytes: packet), at: time)) ?? []
            }
            let viaSlow = (try? slow.sightings(in: H4Packet(type: .event, bytes: packet), at: time)) ?? []
            XCTAssertEqual(viaFast.map(Self.fields), viaSlow.map(Self.fields), "packet \(packet)")
            XCTAssertEqual(fast.stats, slow.stats, "packet \(packet)")
            sightingsSeen += viaSlow.count
        }
        // The generator must exercise both paths, or the comparison says little.
        XCTAssertGreaterThan(judgedFast, 5_000)
        XCTAssertGreaterThan(sightingsSeen, 10_000)
        XCTAssertGreaterThan(slow.stats.wlk1Reports, 0)
        XCTAssertGreaterThan(slow.stats.eidReports, 0)
        XCTAssertGreaterThan(slow.stats.staticReports, 0)
        XCTAssertGreaterThan(slow.stats.malformedReports, 0)
        XCTAssertGreaterThan(slow.stats.malformedAdvertisingData, 0)
    }

    func testOtherPacketsAreDeclined() {
        var extractor = SightingExtractor()
        var out: [Sighting] = []
        let commandComplete: [UInt8] = [0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]
        let otherMeta: [UInt8] = [0x3E, 0x02, 0x01, 0x00]
        let report = reportEvent(extended: false, reports: 1)
        XCTAssertFalse(commandComplete.withUnsafeBytes { extractor.appendSightings(h4Type: 0x04, packet: $0, at: Date(), into: &out) })
        XCTAssertFalse(otherMeta.withUnsafeBytes { extractor.appendSightings(h4Type: 0x04, packet: $0, at: Date(), into: &out) })
        XCTAssertFalse(report.withUnsafeBytes { extractor.appendSightings(h4Type: 0x02, packet: $0, at: Date(), into: &out) })
        XCTAssertTrue(out.isEmpty)
        XCTAssertEqual(extractor.stats, RadioStats())
    }

    /// A whole capture through `MergedCaptures.batches` (the replay's way) and through
    /// `CaptureReplay.sightings` (record by record, copying): the same sightings, the same totals.
    func testBatchedReplayOfACaptureAgreesWithTheCopyingReader() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-zerocopy-\(UUID().uuidString.prefix(8)).btsnoop").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try BtsnoopWriter(path: path)
        var time = Date(timeIntervalSince1970: 1_700_000_000)
        for i in 0..<3_000 {
            var packet = reportEvent(extended: i % 3 == 0, reports: Int.random(in: 0...3, using: &generator))
            if i % 10 == 7 { packet[Int.random(in: 0..<packet.count, using: &generator)] ^= 0x5A }
            try writer.write(packet: [0x04] + packet, controllerToHost: true, at: time)
            if i % 100 == 0 { try writer.write(packet: [0x01, 0x0C, 0x20, 0x02, 0x01, 0x00], controllerToHost: false, at: time) }
            if i % 250 == 0 { try writer.write(packet: [0x04, 0x0E, 0x04, 0x01, 0x0C, 0x20, 0x00], controllerToHost: true, at: time) }
            time += 0.001
        }
        writer.close()

        let copied = try CaptureReplay.sightings(inCapture: path)
        let merged = try MergedCaptures([.init(path: path, receiver: "front")])
        var batched: [Sighting] = []
        var batches = 0
        for try await batch in merged.batches(of: 500) {
            XCTAssertLessThanOrEqual(batch.count, 500 + 4)
            batched += batch
            batches += 1
        }
        XCTAssertGreaterThan(batches, 2)
        XCTAssertGreaterThan(copied.sightings.count, 3_000)
        XCTAssertEqual(batched.map(Self.fields), copied.sightings.map(Self.fields))
        XCTAssertTrue(batched.allSatisfy { $0.receiver == "front" })
        let totals = merged.totals.value
        XCTAssertEqual(totals.stats, copied.stats)
        XCTAssertEqual(totals.records, copied.records)
        XCTAssertGreaterThan(copied.stats.malformedReports, 0)

        // One sighting at a time through the same captures gives the same again.
        let single = try MergedCaptures([.init(path: path, receiver: "front")])
        var one: [Sighting] = []
        for try await sighting in single { one.append(sighting) }
        XCTAssertEqual(one.map(Self.fields), copied.sightings.map(Self.fields))
        XCTAssertEqual(single.totals.value.stats, copied.stats)
    }

    // MARK: - Packets

    /// An LE (Extended) Advertising Report event with `reports` reports, each carrying one of
    /// the evidence kinds (or nothing, or an AD structure that overruns its data).
    func reportEvent(extended: Bool, reports: Int) -> [UInt8] {
        var parameters: [UInt8] = [extended ? 0x0D : 0x02, UInt8(reports)]
        for _ in 0..<reports {
            let data = advertisingData()
            let address = (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let addressType: UInt8 = [0x00, 0x01, 0x02, 0x03, 0xFF].randomElement(using: &generator)!
            let rssi: UInt8 = [0xC4, 0x7F, 0x10].randomElement(using: &generator)!
            let length = UInt8(data.count)
            if extended {
                let phys: [UInt8] = [0x01, 0x00, 0xFF, 0x7F, rssi, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, length]
                parameters += [0x10, 0x00, addressType]
                parameters += address
                parameters += phys
                parameters += data
            } else {
                parameters += [0x00, addressType]
                parameters += address
                parameters.append(length)
                parameters += data
                parameters.append(rssi)
            }
        }
        return [0x3E, UInt8(truncatingIfNeeded: parameters.count)] + parameters
    }

    func advertisingData() -> [UInt8] {
        let flags: [UInt8] = [0x02, 0x01, 0x06]
        let random16 = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: return flags + [0x15, 0xFF, 0xFF, 0xFF, 0x57, 0x01] + random16
        case 1: return flags + [0x0D, 0x16, 0xAA, 0xFE, 0x30, 0xF4] + Array(random16.prefix(8)) + [0, 0]
        case 2: return flags + [0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15] + random16 + [0, 1, 0, 2, 0xC5]
        case 3: return flags + [0x1B, 0xFF, 0x18, 0x01, 0xBE, 0xAC] + random16 + [1, 2, 3, 4, 0xC5, 0x00]
        case 4: return flags + [0x09, 0x09, 0x41]  // a name whose length overruns the data
        default: return flags
        }
    }

    /// Everything a sighting carries, comparable.
    static func fields(_ s: Sighting) -> String {
        let evidence: String
        switch s.evidence {
        case let .wlk1(company, token): evidence = "wlk1 \(company) \(token.hi) \(token.lo)"
        case let .card(normalised): evidence = "card \(normalised)"
        case let .eid(eid): evidence = "eid \(eid)"
        case let .staticIdentifier(id): evidence = "static \(id.hashValue) \(id.kind)"
        case .other: evidence = "other"
        }
        return "\(s.time.timeIntervalSince1970) \(evidence) \(String(describing: s.rssi)) \(String(describing: s.till)) "
            + "\(s.source) \(String(describing: s.address?.value)) \(String(describing: s.address?.isRandom))"
    }
}
