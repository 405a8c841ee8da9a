import Logging
import WelkomCore
import XCTest
@testable import WelkomRadio

/// btsnoop datalink 2001, BlueZ's monitor format as `btmon -w` writes it: read by the same
/// replay as H4 captures, one controller at a time, and written by `--record-format monitor`.
/// (Tests/e2e/test_btsnoop_monitor.py reads captures btmon itself wrote, and has btmon and
/// tshark read ours.)
final class MonitorCaptureTests: XCTestCase {
    var directory: URL!
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let wlk1 = Hex.bytes("02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c")

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-monitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// An LE Advertising Report event without the H4 type byte, as monitor records carry it.
    func reportEvent(_ data: [UInt8], rssi: Int8 = -55) -> [UInt8] {
        let params: [UInt8] = [0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 0xC6, UInt8(data.count)] + data + [UInt8(bitPattern: rssi)]
        return [0x3E, UInt8(params.count)] + params
    }

    /// A monitor capture written byte by byte, independent of BtsnoopWriter.
    func monitorCapture(_ records: [(index: UInt16, opcode: UInt16, at: Double, bytes: [UInt8])]) throws -> String {
        var file = Array("btsnoop\0".utf8) + BtsnoopWriter.be32(1) + BtsnoopWriter.be32(2001)
        for r in records {
            let ts = UInt64(bitPattern: BtsnoopRecord.timestamp(for: t0.addingTimeInterval(r.at)))
            file += BtsnoopWriter.be32(UInt32(r.bytes.count)) + BtsnoopWriter.be32(UInt32(r.bytes.count))
            file += BtsnoopWriter.be32(UInt32(r.index) << 16 | UInt32(r.opcode)) + BtsnoopWriter.be32(0)
            file += BtsnoopWriter.be32(UInt32(ts >> 32)) + BtsnoopWriter.be32(UInt32(ts & 0xFFFF_FFFF)) + r.bytes
        }
        let path = directory.appendingPathComponent("m-\(UUID().uuidString.prefix(6)).btsnoop").path
        try Data(file).write(to: URL(fileURLWithPath: path))
        return path
    }

    func newIndex(_ name: String) -> [UInt8] {
        [0x00, 0x01] + [UInt8](repeating: 0, count: 6) + Array(name.utf8) + [UInt8](repeating: 0, count: 8 - name.utf8.count)
    }

    func testTwoControllersAreReplayedOneAtATimeAndRefusedTogether() throws {
        let path = try monitorCapture([
            (0, 0, 0, newIndex("hci0")), (1, 0, 0, newIndex("hci1")),
            (0xFFFF, 12, 0.1, Array("Bluetooth daemon 5.66\0".utf8)),  // a system note, no controller
            (0, 2, 0.2, [0x0C, 0x20, 0x02, 0x01, 0x00]),                  // LE Set Scan Enable on hci0
            (0, 3, 1, reportEvent(wlk1)),
            (1, 3, 1.5, reportEvent([0x02, 0x01, 0x06], rssi: -70)),
            (1, 3, 2, reportEvent(wlk1, rssi: -40)),
            (0, 5, 2.5, [0x01, 0x00, 0x01, 0x00, 0xAA]),                  // ACL received on hci0
            (1, 1, 3, []),                                                 // hci1 removed
        ])
        XCTAssertEqual(try BtsnoopReader.controllers(inMonitorCapture: path), [0, 1])
        XCTAssertThrowsError(try BtsnoopReader(path: path)) { error in
            XCTAssertEqual(error as? BtsnoopError, .severalControllers(path: path, indexes: [0, 1]))
            XCTAssertTrue("\(error)".contains("hci0 (index 0), hci1 (index 1); choose one with --index N"), "\(error)")
        }
        XCTAssertThrowsError(try BtsnoopReader(path: path, index: 2)) { error in
            XCTAssertTrue("\(error)".hasSuffix("no controller hci2 in the capture; it holds hci0 (index 0), hci1 (index 1)"), "\(error)")
        }

        let hci0 = try CaptureReplay.sightings(inCapture: path, index: 0)
        XCTAssertEqual(hci0.records, 3, "command, event and ACL of hci0; the notes and hci1 skipped")
        XCTAssertEqual(hci0.sightings.map(\.evidence.kind), ["wlk1"])
        XCTAssertEqual(hci0.sightings.map { $0.time.timeIntervalSince1970 }, [1_700_000_001])
        let hci1 = try CaptureReplay.sightings(inCapture: path, index: 1)
        XCTAssertEqual(hci1.sightings.map(\.evidence.kind), ["other", "wlk1"])
        XCTAssertEqual(hci1.sightings.map(\.rssi), [-70, -40])
        XCTAssertEqual(hci1.stats.wlk1Reports, 1)

        // Records keep their place in the file (Wireshark's frame numbers), the packet its opcode.
        let reader = try BtsnoopReader(path: path, index: 1)
        let first = try XCTUnwrap(reader.next())
        XCTAssertEqual(reader.recordNumber, 6)
        XCTAssertEqual(first.controllerIndex, 1)
        XCTAssertEqual(first.monitorOpcode, 3)
        XCTAssertTrue(first.isControllerToHost && first.isCommandOrEvent)
        XCTAssertEqual(reader.packetData(of: first), [0x04] + reportEvent([0x02, 0x01, 0x06], rssi: -70))
        // The zero-copy path says the same.
        let lent = try reader.withNextRecord { view in reader.h4Packet(of: view).map { ($0.type, Array($0.bytes)) } }
        XCTAssertEqual(lent??.0, 0x04)
        XCTAssertEqual(lent??.1, reportEvent(wlk1, rssi: -40))
        XCTAssertEqual(reader.recordNumber, 7)
    }

    /// The zero-copy path (replay's) gives each monitor record the H4 type its opcode names, as
    /// `packetData` does: SCO and ISO are not ACL, though the flags say only "data" for all three.
    func testLentRecordsCarryTheTypeTheirOpcodeNames() throws {
        let path = try monitorCapture([
            (0, 0, 0, newIndex("hci0")),
            (0, 2, 0.1, [0x0C, 0x20, 0x02, 0x01, 0x00]),    // command
            (0, 3, 0.2, reportEvent(wlk1)),                // event
            (0, 5, 0.3, [0x01, 0x00, 0x01, 0x00, 0xAA]),   // ACL received
            (0, 7, 0.4, [0x01, 0x00, 0x01, 0xBB]),         // SCO received
            (0, 19, 0.5, [0x01, 0x00, 0x01, 0x00, 0xCC]),  // ISO received
        ])
        let reader = try BtsnoopReader(path: path)
        var lent: [UInt8] = [], copied: [UInt8] = []
        while let type = try reader.withNextRecord({ view in reader.h4Packet(of: view)?.type }) { lent += [type].compactMap { $0 } }
        let again = try BtsnoopReader(path: path)
        while let record = try again.next() { copied.append(again.packetData(of: record)[0]) }
        XCTAssertEqual(lent, [0x01, 0x04, 0x02, 0x03, 0x05])
        XCTAssertEqual(lent, copied)
    }

    func testOneControllerNeedsNoIndexAndH4CapturesTakeOnlyIndexZero() throws {
        let path = try monitorCapture([(3, 0, 0, newIndex("hci3")), (3, 8, 0, []), (3, 3, 1, reportEvent(wlk1))])
        let reader = try BtsnoopReader(path: path)
        XCTAssertEqual(reader.controllerIndex, 3)
        XCTAssertEqual(try CaptureReplay.sightings(inCapture: path).sightings.count, 1)
        XCTAssertEqual(try CaptureReplay.sightings(inCapture: path, index: 3).sightings.count, 1)

        let h4 = directory.appendingPathComponent("h4.btsnoop").path
        let writer = try BtsnoopWriter(path: h4)
        try writer.write(packet: [0x04] + reportEvent(wlk1), controllerToHost: true, at: t0)
        writer.close()
        XCTAssertEqual(try CaptureReplay.sightings(inCapture: h4, index: 0).sightings.count, 1)
        XCTAssertThrowsError(try BtsnoopReader(path: h4, index: 1)) {
            XCTAssertEqual($0 as? BtsnoopError, .noSuchController(path: h4, index: 1, available: [0]))
        }
    }

    /// A refused capture leaves no file open (a fuzzer or a long-running agent would run out).
    func testRefusalsCloseTheFile() throws {
        let h4 = directory.appendingPathComponent("one.btsnoop").path
        try BtsnoopWriter(path: h4).close()
        let two = try monitorCapture([(0, 3, 0, reportEvent(wlk1)), (1, 3, 1, reportEvent(wlk1))])
        func openFiles() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        let before = try openFiles()
        for _ in 0..<200 {
            XCTAssertThrowsError(try BtsnoopReader(path: h4, index: 1))
            XCTAssertThrowsError(try BtsnoopReader(path: two))
            XCTAssertThrowsError(try BtsnoopReader(path: two, index: 5))
        }
        XCTAssertLessThanOrEqual(try openFiles(), before + 2)
    }

    func testMonitorRecordingRoundTripsAndStartsWithTheControllersNewIndex() throws {
        let path = directory.appendingPathComponent("rec.btsnoop").path
        let writer = try BtsnoopWriter(path: path, format: .monitor, controllerIndex: 1, bus: 3, at: t0)
        try writer.write(packet: HCICommand.reset.encoded, controllerToHost: false, at: t0)
        try writer.write(packet: [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00], controllerToHost: true, at: t0.addingTimeInterval(0.001))
        try writer.write(packet: [0x04] + reportEvent(wlk1), controllerToHost: true, at: t0.addingTimeInterval(1))
        try writer.write(packet: [0x02, 0x01, 0x00, 0x01, 0x00, 0xAA], controllerToHost: true, at: t0.addingTimeInterval(2))
        try writer.write(packet: [0x09, 0x01], controllerToHost: true, at: t0.addingTimeInterval(3))  // no HCI packet: not written
        writer.close()

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<16]), Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x07, 0xD1])
        // New Index: 16 bytes, flags index 1 << 16 | opcode 0; type primary, bus UART, no address, "hci1".
        XCTAssertEqual(Array(bytes[16..<28]), [0, 0, 0, 16, 0, 0, 0, 16, 0, 1, 0, 0])
        XCTAssertEqual(Array(bytes[40..<56]), [0, 3, 0, 0, 0, 0, 0, 0] + Array("hci1".utf8) + [0, 0, 0, 0])
        // The reset: opcode 2 (command), 3 bytes without the H4 type byte.
        XCTAssertEqual(Array(bytes[56..<68]), [0, 0, 0, 3, 0, 0, 0, 3, 0, 1, 0, 2])
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let reader = try BtsnoopReader(path: path)
        XCTAssertEqual(reader.datalink, 2001)
        XCTAssertEqual(reader.controllerIndex, 1)
        var packets: [[UInt8]] = [], flags: [UInt32] = [], opcodes: [UInt16?] = []
        while let r = try reader.next() {
            packets.append(reader.packetData(of: r))
            flags.append(r.flags)
            opcodes.append(r.monitorOpcode)
        }
        XCTAssertEqual(packets, [HCICommand.reset.encoded, [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00], [0x04] + reportEvent(wlk1),
                                 [0x02, 0x01, 0x00, 0x01, 0x00, 0xAA]])
        XCTAssertEqual(flags, [2, 3, 3, 1])
        XCTAssertEqual(opcodes, [2, 3, 3, 5])
        XCTAssertEqual(reader.recordsInFile, 5, "New Index and four packets")
        let replayed = try CaptureReplay.sightings(inCapture: path)
        XCTAssertEqual(replayed.sightings.map(\.evidence.kind), ["wlk1"])
        XCTAssertEqual(replayed.sightings.first?.time.timeIntervalSince1970 ?? 0, 1_700_000_001, accuracy: 0.000001)
    }

    func testOtherDatalinksAreNamedWithTheSupportedOnes() throws {
        let path = directory.appendingPathComponent("bcsp.btsnoop").path
        try Data(Array("btsnoop\0".utf8) + [0, 0, 0, 1, 0, 0, 0x03, 0xEB]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try BtsnoopReader(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): btsnoop datalink 1003 (HCI BCSP); supported are 1002 (HCI UART, H4), "
                           + "1001 (HCI, unframed), 2001 (BlueZ monitor, as btmon writes it)")
        }
    }

    func testTransportSpecNamesOneControllerOfACapture() throws {
        XCTAssertEqual(try TransportSpec(parsing: "btsnoop:/var/tmp/a.btsnoop@hci1"), .btsnoop(path: "/var/tmp/a.btsnoop", index: 1))
        XCTAssertEqual(try TransportSpec(parsing: "btsnoop:/tmp/me@home.btsnoop"), .btsnoop(path: "/tmp/me@home.btsnoop"))
        XCTAssertEqual(try TransportSpec(parsing: "btsnoop:/tmp/x@hci"), .btsnoop(path: "/tmp/x@hci"))
        XCTAssertThrowsError(try TransportSpec(parsing: "btsnoop:/tmp/x@hci70000"))
        XCTAssertEqual(TransportSpec.btsnoop(path: "/a", index: 2).description, "btsnoop:/a@hci2")
        XCTAssertEqual(try TransportSpec(parsing: "btsnoop:/a@hci2"), .btsnoop(path: "/a", index: 2))
    }

    /// A damaged timestamp never stalls the paced replay: one record 3 years ahead and the one
    /// after it are played at once and named; the replay ends within its recorded second or so.
    func testPacedReplayOfADamagedCaptureEndsPromptlyAndNamesTheRecords() async throws {
        let year = 365.25 * 86_400
        let path = try monitorCapture([
            (0, 3, 0, reportEvent(wlk1)), (0, 3, 0.5, reportEvent(wlk1)),
            (0, 3, 3 * year, reportEvent(wlk1)), (0, 3, 1, reportEvent(wlk1)),
        ])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes += Data([0, 0, 0, 40, 0, 0, 0, 40])  // a fifth record, cut off in its header
        try bytes.write(to: URL(fileURLWithPath: path))
        let source = RadioSource(spec: .btsnoop(path: path), logger: Logger(label: "test"))
        let collected = Collected()
        let start = ContinuousClock.now
        try await source.run(onSighting: { await collected.add($0) })
        let elapsed = ContinuousClock.now - start
        XCTAssertLessThan(elapsed, .seconds(5))
        let count = await collected.all.count
        XCTAssertEqual(count, 4)
        let damage = source.captureDamage
        XCTAssertEqual(damage.count, 3, "\(damage)")
        XCTAssertTrue(damage[0].hasSuffix("record 3: its time is 3 years after record 2's (a damaged timestamp, or a gap in the capture); played without waiting"), damage[0])
        XCTAssertTrue(damage[1].contains("record 4: its time is 3 years before record 3's"), damage[1])
        XCTAssertTrue(damage[2].contains("record 5: the file ends inside it"), damage[2])
    }
}
