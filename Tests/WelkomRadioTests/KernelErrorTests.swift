#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import WelkomRadio

/// The kernel path's errors, errno by errno: each says what is wrong and names the fix.
final class KernelErrorTests: XCTestCase {
    func message(_ code: Int32, capability: String = "CAP_NET_RAW") -> (TransportError, String) {
        let e = KernelHCITransport.error(errno: code, spec: "hci0", operation: "bind(HCI_CHANNEL_RAW)", capability: capability)
        return (e, "\(e)")
    }

    func testEveryErrnoNamesItsFix() {
        var (e, m) = message(EAFNOSUPPORT)
        XCTAssertEqual(e, .noKernelBluetooth(spec: "hci0"))
        XCTAssertTrue(m.contains("this kernel has no Bluetooth support") && m.contains("errno 97") && m.contains("modprobe bluetooth"), m)

        (e, m) = message(ENODEV)
        XCTAssertEqual(e, .noAdapter(spec: "hci0"))
        XCTAssertTrue(m.contains("no Bluetooth adapter") && m.contains("btmgmt info"), m)

        (e, m) = message(EBUSY)
        XCTAssertEqual(e, .adapterBusy(spec: "hci0"))
        XCTAssertTrue(m.contains("adapter busy") && m.contains("bluetoothd") && m.contains("kernel_channel = \"raw\"")
                      && m.contains("systemctl stop bluetooth"), m)

        for code in [EPERM, EACCES] {
            (e, m) = message(code, capability: "CAP_NET_ADMIN")
            XCTAssertEqual(e, .kernelPermissionDenied(spec: "hci0", capability: "CAP_NET_ADMIN"))
            XCTAssertTrue(m.contains("CAP_NET_ADMIN") && m.contains("setcap cap_net_raw,cap_net_admin+ep")
                          && m.contains("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"), m)
        }
        XCTAssertTrue(TransportError.kernelPermissionDenied(spec: "hci0", capability: "CAP_NET_RAW").isPermanent)

        (e, m) = message(ENETDOWN)
        XCTAssertEqual(e, .adapterDown(spec: "hci0"))
        XCTAssertTrue(m.contains("btmgmt --index 0 power on") && m.contains("kernel_channel = \"user\""), m)

        (e, m) = message(ERFKILL)
        XCTAssertEqual(e, .adapterBlocked(spec: "hci0"))
        XCTAssertTrue(m.contains("rfkill unblock bluetooth"), m)

        (e, m) = message(EIO)
        XCTAssertTrue(m.contains("hci0") && m.contains("errno \(EIO)"), m)
    }

    /// On this machine every channel meets errno 97 first, and says so.
    func testEveryChannelOnThisMachine() {
        for channel in KernelSocketChannel.allCases {
            let transport = KernelHCITransport(device: 3, channel: channel)
            XCTAssertThrowsError(try transport.open()) { error in
                XCTAssertEqual(error as? TransportError, .noKernelBluetooth(spec: "hci3"), "\(channel)")
            }
            XCTAssertFalse(transport.isShared)
        }
    }

    func testOptionsReachTheTransports() {
        let serial = TransportSpec.serial(path: "/dev/ttyACM0", baud: 115_200).makeTransport(options: TransportOptions(flowControl: false))
        XCTAssertEqual((serial as? SerialTransport)?.flowControl, false)
        XCTAssertEqual((TransportSpec.serial(path: "/dev/x", baud: 1_000_000).makeTransport() as? SerialTransport)?.flowControl, true)
        let kernel = TransportSpec.kernel(device: 1).makeTransport(options: TransportOptions(kernelChannel: .user))
        XCTAssertEqual((kernel as? KernelHCITransport)?.channelMode, .user)
        XCTAssertNil(TransportSpec.btsnoop(path: "/x").makeTransport())
    }

    /// A serial transport with flow control on a pty (which accepts CRTSCTS) opens and writes.
    func testFlowControlOnAPty() throws {
        var primary: Int32 = -1, replica: Int32 = -1
        XCTAssertEqual(openpty(&primary, &replica, nil, nil, nil), 0)
        defer { close(primary); close(replica) }
        let path = String(cString: ttyname(replica))
        for flow in [true, false] {
            let t = SerialTransport(path: path, baud: 115_200, flowControl: flow)
            try t.open()
            try t.write([0x01, 0x03, 0x0C, 0x00])
            t.close()
        }
    }
}
