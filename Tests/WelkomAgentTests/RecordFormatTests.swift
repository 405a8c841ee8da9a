import XCTest
import WelkomConfig
@testable import WelkomAgent
@testable import WelkomRadio

/// `radio.record_format`: the agent's recordings in the monitor format name the controller as
/// Linux does (hciN for a kernel adapter), so `btmon -r` shows them like an admin's own capture.
final class RecordFormatTests: XCTestCase {
    func testMonitorRecordingsNameTheKernelAdapterAndH4StaysTheDefault() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-recfmt-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var radio = RadioSettings(transport: "hci2", record: dir.appendingPathComponent("r.btsnoop").path, recordFormat: .monitor)
        let monitor = try XCTUnwrap(try AgentSources.recorder(radio, receiver: "radio", spec: .kernel(device: 2)))
        XCTAssertEqual(monitor.format, .monitor)
        XCTAssertEqual(monitor.controllerIndex, 2)
        monitor.close()
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("r.btsnoop")))
        XCTAssertEqual(Array(bytes[12..<16]), [0, 0, 0x07, 0xD1])
        XCTAssertEqual(Array(bytes[48..<52]), Array("hci2".utf8))

        radio.recordFormat = .h4
        let h4 = try XCTUnwrap(try AgentSources.recorder(radio, receiver: "radio", spec: .kernel(device: 2)))
        XCTAssertEqual(h4.format, .h4)
        h4.close()
        XCTAssertEqual(try WelkomConfig.parse("[radio]\nrecord_format = \"monitor\"\n", file: "w.toml").radio.recordFormat, .monitor)
        XCTAssertEqual(WelkomConfig.defaults.radio.recordFormat, .h4)
    }
}
