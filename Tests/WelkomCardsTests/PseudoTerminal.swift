import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The scanner's side of a real pty pair: the test writes what a scanner would send into the
/// master; the source under test opens the slave through a symlink, as it would /dev/ttyACM0.
final class PseudoTerminal {
    let master: Int32
    /// TIOCSPTLCK and TIOCGPTN (generic Linux ioctl encoding; Swift does not import _IOW macros).
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430
    let slavePath: String

    init() throws {
        // /dev/ptmx and two ioctls: glibc's posix_openpt/grantpt/unlockpt/ptsname_r are hidden
        // from Swift behind feature macros; this is what they do on Linux.
        let fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(fd, Self.setLock, &unlock) == 0, ioctl(fd, Self.getNumber, &number) == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw POSIXError(.init(rawValue: e) ?? .EIO)
        }
        master = fd
        slavePath = "/dev/pts/\(number)"
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if errno != EINTR && errno != EAGAIN { return }
        }
    }

    func close() { _ = Glibc.close(master) }

    /// Points `link` at this pty's slave, replacing any old link in one step (rename), as udev
    /// replaces a /dev/serial/by-id link when a scanner is plugged in again.
    func link(at link: String) throws {
        let temporary = link + ".new"
        unlink(temporary)
        guard symlink(slavePath, temporary) == 0, rename(temporary, link) == 0 else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
    }
}
