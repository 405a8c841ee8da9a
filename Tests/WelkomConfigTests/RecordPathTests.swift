import XCTest
@testable import WelkomConfig

/// `radio.record` with several receivers: one file per receiver, named predictably.
final class RecordPathTests: XCTestCase {
    private func radio(record: String, transport: String = "hci0") -> RadioSettings {
        RadioSettings(transport: transport, record: record, name: "till1",
                      receivers: [ReceiverSettings(name: "till2", transport: "tcp:127.0.0.1:9000")])
    }

    func testTheRadioReceiverRecordsToThePathAsWrittenAndOthersGetTheirNameBeforeTheExtension() {
        let r = radio(record: "/var/lib/welkom/shop.btsnoop")
        XCTAssertEqual(r.recordPath(forReceiver: "till1"), "/var/lib/welkom/shop.btsnoop")
        XCTAssertEqual(r.recordPath(forReceiver: "till2"), "/var/lib/welkom/shop.till2.btsnoop")
        XCTAssertNil(r.recordPath(forReceiver: "nobody"))
    }

    func testAPathWithoutExtensionOrWithADottedDirectoryGetsTheNameAppended() {
        XCTAssertEqual(radio(record: "/data.d/capture").recordPath(forReceiver: "till2"), "/data.d/capture.till2")
        XCTAssertEqual(radio(record: "/tmp/.capture").recordPath(forReceiver: "till2"), "/tmp/.capture.till2")
        XCTAssertEqual(radio(record: "relative.btsnoop").recordPath(forReceiver: "till2"), "relative.till2.btsnoop")
    }

    func testNothingIsRecordedWhenRecordIsOffAndTheRadioWithoutTransportIsNoReceiver() {
        XCTAssertNil(radio(record: "").recordPath(forReceiver: "till1"))
        XCTAssertNil(radio(record: "").recordPath(forReceiver: "till2"))
        let noRadio = radio(record: "/tmp/c.btsnoop", transport: "")
        XCTAssertNil(noRadio.recordPath(forReceiver: "till1"))
        XCTAssertEqual(noRadio.recordPath(forReceiver: "till2"), "/tmp/c.till2.btsnoop")
    }

    func testTheStartupNoticeNamesEveryFile() {
        var config = WelkomConfig.defaults
        config.radio = radio(record: "/tmp/c.btsnoop")
        let notice = config.startupNotices.first { $0.contains("radio.record is set") } ?? ""
        XCTAssertTrue(notice.contains("\"/tmp/c.btsnoop\", \"/tmp/c.till2.btsnoop\""), notice)
    }
}
