import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WelkomSerial

/// The write side of a serial (or USB-serial, or pty) line to a pole display: raw 8N1 at the
/// configured speed, blocking writes of whole commands.
final class PoleDisplayPort {
    private let port: SerialPort

    init(path: String, baud: Int) throws(PoleDisplayError) {
        // A plain file (tests, a log) has no line settings; only a real tty needs them.
        do {
            port = try SerialPort.open(path, SerialPort.Options(baud: baud, allowsNonTerminal: true))
        } catch {
            throw PoleDisplayError(path: path, operation: error.operation, errno: error.errno)
        }
    }

    deinit {
        port.close()
    }

    func write(_ bytes: [UInt8], path: String) throws(PoleDisplayError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(port.fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PoleDisplayError(path: path, operation: "write", errno: errno)
            }
            offset += n
        }
    }
}
