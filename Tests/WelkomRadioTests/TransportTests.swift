#if canImport(Glibc)
import Glibc
#endif
import Logging
import XCTest
@testable import WelkomRadio

final class TransportTests: XCTestCase {
    /// This machine's kernel has no Bluetooth (socket(AF_BLUETOOTH) → errno 97). The kernel
    /// path must say so and name the fix, not crash or retry forever.
    func testKernelTransportOnThisMachineSaysThereIsNoBluetooth() {
        let transport = KernelHCITransport(device: 0)
        XCTAssertThrowsError(try transport.open()) { error in
            XCTAssertEqual(error as? TransportError, .noKernelBluetooth(spec: "hci0"))
            let message = "\(error)"
            XCTAssertTrue(message.contains("this kernel has no Bluetooth support"), message)
            XCTAssertTrue(message.contains("errno 97"), message)
            XCTAssertTrue(message.contains("serial:"), message)  // the fix names an alternative
        }
        XCTAssertTrue(TransportError.noKernelBluetooth(spec: "hci0").isPermanent)
        XCTAssertTrue("\(TransportError.noAdapter(spec: "hci1"))".contains("no Bluetooth adapter"))
    }

    /// RadioSource gives up at once on the permanent kernel error (and says why) instead of retrying.
    func testRadioSourceOnKernelSpecThrowsThePermanentError() async {
        let source = RadioSource(spec: .kernel(device: 0), logger: Logger(label: "test"))
        do {
            try await source.run { _ in }
            XCTFail("run returned")
        } catch {
            XCTAssertEqual(error as? TransportError, .noKernelBluetooth(spec: "hci0"))
        }
    }

    func testSerialTransportErrors() {
        XCTAssertThrowsError(try SerialTransport(path: "/nonexistent/ttyACM9").open()) { error in
            XCTAssertEqual(error as? TransportError, .notFound(spec: "serial:/nonexistent/ttyACM9"))
        }
        XCTAssertThrowsError(try SerialTransport(path: "/dev/null").open()) { error in
            XCTAssertTrue("\(error)".contains("not a serial device"), "\(error)")
        }
    }

    /// A real pty pair: the serial transport sets raw mode and baud, writes and reads whole,
    /// and reports the peer going away as `.closed`.
    func testSerialTransportOverAPty() throws {
        var master: Int32 = -1, slave: Int32 = -1
        XCTAssertEqual(openpty(&master, &slave, nil, nil, nil), 0)
        let path = String(cString: ttyname(slave))
        defer { _ = Glibc.close(slave) }
        let transport = SerialTransport(path: path, baud: 115_200)
        try transport.open()
        defer { transport.close() }

        try transport.write(HCICommand.reset.encoded)
        var got = [UInt8](repeating: 0, count: 16)
        let n = Glibc.read(master, &got, 16)
        XCTAssertEqual(Array(got[0..<max(0, n)]), [0x01, 0x03, 0x0C, 0x00])

        let answer: [UInt8] = [0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]
        XCTAssertEqual(Glibc.write(master, answer, answer.count), answer.count)
        var buffer = [UInt8](repeating: 0, count: 64)
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while received.count < answer.count, Date() < deadline {
            let k = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMilliseconds: 100) }
            received += buffer[0..<k]
        }
        XCTAssertEqual(received, answer)
        // Nothing more: a read times out with 0.
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMilliseconds: 50) }, 0)

        _ = Glibc.close(master)
        XCTAssertThrowsError(try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMilliseconds: 500) }) { error in
            XCTAssertEqual(error as? TransportError, .closed(spec: "serial:\(path)@115200"))
        }
    }

    func testTCPTransportRefusedAndUnknownHost() {
        XCTAssertThrowsError(try TCPTransport(host: "127.0.0.1", port: 1).open()) { error in
            XCTAssertTrue("\(error)".contains("connect failed"), "\(error)")
        }
        XCTAssertThrowsError(try TCPTransport(host: "no-such-host.invalid", port: 9000).open()) { error in
            guard case .unknownHost = error as? TransportError else { return XCTFail("\(error)") }
        }
    }

    func testBackoffDoublesToTenSeconds() {
        var b = Backoff()
        let delays = (0..<8).map { _ in b.next() }
        XCTAssertEqual(delays, [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10), .seconds(10)])
        b.reset()
        XCTAssertEqual(b.next(), .milliseconds(500))
    }
}
