import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WelkomSerial
import XCTest

/// The one serial opener, on a real pty pair: the line settings it leaves, the bytes that pass
/// untouched, and errors that say which path and why.
final class SerialPortTests: XCTestCase {
    /// A pty pair: the port under test opens `slavePath`; the test holds the master.
    final class Pty {
        let master: Int32
        let slavePath: String

        /// TIOCSPTLCK and TIOCGPTN (Swift imports neither the _IOW macros nor posix_openpt).
        private static let setLock: UInt = 0x4004_5431
        private static let getNumber: UInt = 0x8004_5430

        init() throws {
            let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard ioctl(fd, Self.setLock, &unlock) == 0, ioctl(fd, Self.getNumber, &number) == 0 else {
                _ = Glibc.close(fd)
                throw POSIXError(.EIO)
            }
            master = fd
            slavePath = "/dev/pts/\(number)"
        }

        deinit { _ = Glibc.close(master) }

        func read(count: Int) -> [UInt8] {
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            let deadline = Date().addingTimeInterval(5)
            while out.count < count, Date() < deadline {
                var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 100) > 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
                if n > 0 { out += buffer[0..<n] }
            }
            return out
        }
    }

    func settings(_ port: SerialPort) throws -> termios {
        var t = termios()
        guard tcgetattr(port.fd, &t) == 0 else { throw POSIXError(.ENOTTY) }
        return t
    }

    func testOpensRaw8N1AtTheBaudWithFlowControl() throws {
        let pty = try Pty()
        let port = try SerialPort.open(pty.slavePath, SerialPort.Options(baud: 115_200, flowControl: true))
        defer { port.close() }
        var t = try settings(port)
        XCTAssertEqual(cfgetospeed(&t), speed_t(B115200))
        XCTAssertEqual(t.c_cflag & tcflag_t(CSIZE), tcflag_t(CS8))
        XCTAssertEqual(t.c_cflag & tcflag_t(PARENB | CSTOPB), 0)
        XCTAssertNotEqual(t.c_cflag & tcflag_t(CRTSCTS), 0)
        XCTAssertEqual(t.c_lflag & tcflag_t(ICANON | ECHO | ISIG), 0)
        XCTAssertEqual(t.c_oflag & tcflag_t(OPOST), 0)
        XCTAssertEqual(fcntl(port.fd, F_GETFL) & O_NONBLOCK, 0)
        XCTAssertNotEqual(fcntl(port.fd, F_GETFD) & FD_CLOEXEC, 0)
    }

    func testFlowControlOffIsClearedAndNonBlockingIsSet() throws {
        let pty = try Pty()
        let port = try SerialPort.open(pty.slavePath, SerialPort.Options(baud: 9600, nonBlocking: true))
        defer { port.close() }
        var t = try settings(port)
        XCTAssertEqual(cfgetispeed(&t), speed_t(B9600))
        XCTAssertEqual(t.c_cflag & tcflag_t(CRTSCTS), 0)
        XCTAssertNotEqual(fcntl(port.fd, F_GETFL) & O_NONBLOCK, 0)
    }

    /// Raw mode: no newline translation, no control characters eaten, on the way out.
    func testBytesPassUnchanged() throws {
        let pty = try Pty()
        let port = try SerialPort.open(pty.slavePath, SerialPort.Options(baud: 1_000_000))
        defer { port.close() }
        let bytes: [UInt8] = [0x04, 0x3E, 0x0A, 0x0D, 0x03, 0x1A, 0x7F, 0xFF, 0x00]
        XCTAssertEqual(bytes.withUnsafeBytes { Glibc.write(port.fd, $0.baseAddress, $0.count) }, bytes.count)
        XCTAssertEqual(pty.read(count: bytes.count), bytes)
    }

    func testNotATerminalIsRefusedWithItsPathAndErrno() {
        XCTAssertThrowsError(try SerialPort.open("/dev/null", SerialPort.Options(baud: 9600))) { error in
            XCTAssertEqual(error as? SerialPortError, SerialPortError(path: "/dev/null", operation: "tcgetattr", errno: ENOTTY))
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("/dev/null: tcgetattr failed: "), text)
            XCTAssertTrue(text.contains("(errno \(ENOTTY))") && text.hasSuffix("not a serial device or pty"), text)
        }
    }

    func testAPlainFileIsLeftAsItIsWhenAllowed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-serial-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = try SerialPort.open(path, SerialPort.Options(baud: 9600, allowsNonTerminal: true))
        port.close()
    }

    func testAMissingDeviceNamesThePath() {
        XCTAssertThrowsError(try SerialPort.open("/dev/welkom-no-such-tty", SerialPort.Options(baud: 9600))) { error in
            XCTAssertEqual(error as? SerialPortError,
                           SerialPortError(path: "/dev/welkom-no-such-tty", operation: "open", errno: ENOENT))
        }
    }

    /// A rate termios cannot set is refused before the device is touched, never replaced by another.
    func testAnUnsupportedBaudIsRefused() {
        XCTAssertNil(SerialPort.speed(for: 12345))
        XCTAssertThrowsError(try SerialPort.open("/dev/welkom-no-such-tty", SerialPort.Options(baud: 12345))) { error in
            XCTAssertEqual(error as? SerialPortError,
                           SerialPortError(path: "/dev/welkom-no-such-tty", operation: "set 12345 baud", errno: EINVAL))
        }
        for baud in SerialPort.supportedBauds {
            XCTAssertNotNil(SerialPort.speed(for: baud), "\(baud)")
        }
    }
}
