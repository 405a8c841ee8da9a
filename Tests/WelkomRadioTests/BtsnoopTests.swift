import Logging
import WelkomCore
import XCTest
@testable import WelkomRadio

final class BtsnoopTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-btsnoop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func legacyReportEvent(_ data: [UInt8], rssi: Int8 = -55) -> [UInt8] {
        let params: [UInt8] = [0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 0xC6, UInt8(data.count)] + data + [UInt8(bitPattern: rssi)]
        return [0x04, 0x3E, UInt8(params.count)] + params
    }

    func testWriteReadRoundTripAndHeaderLayout() throws {
        let path = directory.appendingPathComponent("a.btsnoop").path
        let t0 = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let writer = try BtsnoopWriter(path: path)
        try writer.write(packet: HCICommand.reset.encoded, controllerToHost: false, at: t0)
        try writer.write(packet: [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00], controllerToHost: true, at: t0.addingTimeInterval(0.001))
        try writer.write(packet: [0x02, 0x01, 0x00, 0x01, 0x00, 0xAA], controllerToHost: true, at: t0.addingTimeInterval(0.002))
        writer.close()

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<16]), Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x03, 0xEA])
        // First record header: lengths 4 and 4, flags 2 (command, host → controller), drops 0.
        XCTAssertEqual(Array(bytes[16..<32]), [0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0])
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let reader = try BtsnoopReader(path: path)
        var records: [BtsnoopRecord] = []
        while let r = try reader.next() { records.append(r) }
        XCTAssertFalse(reader.endedInPartialRecord)
        XCTAssertEqual(records.map(\.flags), [2, 3, 1])
        XCTAssertEqual(records.map(\.data), [HCICommand.reset.encoded, [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00], [0x02, 0x01, 0x00, 0x01, 0x00, 0xAA]])
        XCTAssertEqual(records[0].date.timeIntervalSince1970, t0.timeIntervalSince1970, accuracy: 0.000001)
        XCTAssertEqual(records[2].date.timeIntervalSince(records[0].date), 0.002, accuracy: 0.000001)
        XCTAssertEqual(records[0].timestampMicroseconds - BtsnoopRecord.unixEpochOffsetMicroseconds, 1_700_000_000_123_456)
    }

    func testReplayGivesSightingsAtRecordTimesFromControllerToHostOnly() async throws {
        let path = directory.appendingPathComponent("b.btsnoop").path
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let spec = Hex.bytes("02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")
        let writer = try BtsnoopWriter(path: path)
        try writer.write(packet: HCICommand.reset.encoded, controllerToHost: false, at: t0)
        try writer.write(packet: legacyReportEvent(spec), controllerToHost: true, at: t0.addingTimeInterval(1))
        // The same bytes host → controller must not count.
        try writer.write(packet: legacyReportEvent(spec), controllerToHost: false, at: t0.addingTimeInterval(1.5))
        try writer.write(packet: legacyReportEvent([0x02, 0x01, 0x06]), controllerToHost: true, at: t0.addingTimeInterval(2))
        // A malformed report (overrun), and a record that is no H4 packet.
        try writer.write(packet: [0x04, 0x3E, 0x05, 0x02, 0x01, 0x00, 0x00, 0x01], controllerToHost: true, at: t0.addingTimeInterval(2.5))
        try writer.write(packet: [0x09, 0x01], controllerToHost: true, at: t0.addingTimeInterval(2.6))
        try writer.write(packet: legacyReportEvent(spec, rssi: -40), controllerToHost: true, at: t0.addingTimeInterval(3))
        writer.close()

        let result = try CaptureReplay.sightings(inCapture: path)
        XCTAssertEqual(result.records, 7)
        XCTAssertEqual(result.sightings.map(\.evidence.kind), ["wlk1", "other", "wlk1"])
        XCTAssertEqual(result.sightings.map { $0.time.timeIntervalSince1970 }, [1_700_000_001, 1_700_000_002, 1_700_000_003])
        XCTAssertEqual(result.sightings.map(\.rssi), [-55, -55, -40])
        XCTAssertTrue(result.sightings.allSatisfy { $0.source == .radio && $0.till == nil })
        if case .wlk1(let company, let token) = result.sightings[0].evidence {
            XCTAssertEqual(company, 0xFFFF)
            XCTAssertEqual(token.hex, "fb7438f19ef470f50bb3dd56d8a2135c")
        } else { XCTFail() }
        XCTAssertEqual(result.stats.wlk1Reports, 2)
        XCTAssertEqual(result.stats.otherReports, 1)
        XCTAssertEqual(result.stats.malformedReports, 1)
        XCTAssertEqual(result.stats.framingErrors, 1)

        // The btsnoop: transport replays the same at the recorded pace (3 s here).
        let source = RadioSource(spec: .btsnoop(path: path), logger: Logger(label: "test"))
        let collected = Collected()
        let start = ContinuousClock.now
        try await source.run { await collected.add($0) }
        let elapsed = ContinuousClock.now - start
        let got = await collected.all
        XCTAssertEqual(got.map { $0.time.timeIntervalSince1970 }, [1_700_000_001, 1_700_000_002, 1_700_000_003])
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(2900))
        XCTAssertLessThan(elapsed, .seconds(10))
        XCTAssertEqual(source.stats.wlk1Reports, 2)
    }

    func testTruncatedTailAndBadFiles() throws {
        let path = directory.appendingPathComponent("c.btsnoop").path
        let writer = try BtsnoopWriter(path: path)
        try writer.write(packet: legacyReportEvent([0x02, 0x01, 0x06]), controllerToHost: true, at: Date())
        try writer.write(packet: legacyReportEvent([0x02, 0x01, 0x06]), controllerToHost: true, at: Date())
        writer.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.removeLast(5)  // the recorder died mid-record
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try CaptureReplay.sightings(inCapture: path)
        XCTAssertEqual(result.sightings.count, 1)
        XCTAssertTrue(result.endedInPartialRecord)

        let notSnoop = directory.appendingPathComponent("d.txt").path
        try Data("hello, this is not a capture".utf8).write(to: URL(fileURLWithPath: notSnoop))
        XCTAssertThrowsError(try BtsnoopReader(path: notSnoop)) { XCTAssertEqual($0 as? BtsnoopError, .notBtsnoop(path: notSnoop)) }
        XCTAssertThrowsError(try BtsnoopReader(path: directory.appendingPathComponent("missing").path)) { error in
            XCTAssertTrue("\(error)".contains("cannot open capture"))
        }
        let pcap = directory.appendingPathComponent("e.btsnoop").path
        try Data(Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x03, 0xEC]).write(to: URL(fileURLWithPath: pcap))
        XCTAssertThrowsError(try BtsnoopReader(path: pcap)) { XCTAssertEqual($0 as? BtsnoopError, .unsupportedDatalink(path: pcap, datalink: 1004)) }
    }
}

actor Collected {
    var all: [Sighting] = []
    func add(_ s: Sighting) { all.append(s) }
}
