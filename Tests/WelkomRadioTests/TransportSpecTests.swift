import XCTest
@testable import WelkomRadio

final class TransportSpecTests: XCTestCase {
    func testAcceptedForms() throws {
        XCTAssertEqual(try TransportSpec(parsing: "hci0"), .kernel(device: 0))
        XCTAssertEqual(try TransportSpec(parsing: "hci12"), .kernel(device: 12))
        XCTAssertEqual(try TransportSpec(parsing: "serial:/dev/ttyACM0"), .serial(path: "/dev/ttyACM0", baud: 1_000_000))
        XCTAssertEqual(try TransportSpec(parsing: "serial:/dev/ttyAMA0@115200"), .serial(path: "/dev/ttyAMA0", baud: 115_200))
        XCTAssertEqual(try TransportSpec(parsing: "serial:/tmp/with@sign/pty@921600"), .serial(path: "/tmp/with@sign/pty", baud: 921_600))
        XCTAssertEqual(try TransportSpec(parsing: "tcp:127.0.0.1:9000"), .tcp(host: "127.0.0.1", port: 9000))
        XCTAssertEqual(try TransportSpec(parsing: "tcp:controller.local:1234"), .tcp(host: "controller.local", port: 1234))
        XCTAssertEqual(try TransportSpec(parsing: "tcp:[::1]:9000"), .tcp(host: "::1", port: 9000))
        XCTAssertEqual(try TransportSpec(parsing: "btsnoop:/var/tmp/a.btsnoop"), .btsnoop(path: "/var/tmp/a.btsnoop"))
        XCTAssertEqual(try TransportSpec(parsing: "  hci1 "), .kernel(device: 1))
    }

    func testCanonicalSpellingRoundTrips() throws {
        for text in ["hci0", "serial:/dev/ttyACM0", "serial:/dev/ttyS1@115200", "tcp:localhost:9000", "tcp:[::1]:9000", "btsnoop:x.btsnoop"] {
            let spec = try TransportSpec(parsing: text)
            XCTAssertEqual(spec.description, text)
            XCTAssertEqual(try TransportSpec(parsing: spec.description), spec)
        }
    }

    func testUnknownAndBadSpecsNameTheSpecAndTheAcceptedForms() {
        let cases: [(String, String)] = [
            ("bluetooth0", "unknown transport"),
            ("usb:0", "unknown transport"),
            ("", "unknown transport"),
            ("hci", "hci followed by its number"),
            ("hcix", "hci followed by its number"),
            ("serial:", "needs a device path"),
            ("serial:/dev/ttyACM0@12345", "baud rate '12345'"),
            ("serial:/dev/ttyACM0@fast", "baud rate 'fast'"),
            ("tcp:localhost", "needs HOST:PORT"),
            ("tcp::9000", "needs a host"),
            ("tcp:localhost:0", "port '0'"),
            ("tcp:localhost:70000", "port '70000'"),
            ("btsnoop:", "needs a capture file path"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try TransportSpec(parsing: text), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("'\(text)'"), message)
                XCTAssertTrue(message.contains(reason), message)
                XCTAssertTrue(message.contains("hciN"), message)
                XCTAssertTrue(message.contains("serial:/dev/ttyACM0[@BAUD]"), message)
                XCTAssertTrue(message.contains("tcp:HOST:PORT"), message)
                XCTAssertTrue(message.contains("btsnoop:FILE"), message)
            }
        }
    }

    func testTransportsForSpecs() throws {
        XCTAssertTrue(try TransportSpec(parsing: "hci0").makeTransport() is KernelHCITransport)
        XCTAssertTrue(try TransportSpec(parsing: "serial:/dev/null").makeTransport() is SerialTransport)
        XCTAssertTrue(try TransportSpec(parsing: "tcp:127.0.0.1:1").makeTransport() is TCPTransport)
        XCTAssertNil(try TransportSpec(parsing: "btsnoop:x").makeTransport())
    }
}
