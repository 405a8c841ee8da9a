import Foundation
import WelkomChain
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The chain key is created all or nothing: a 0600 file of 32 bytes or no file at all, never a
/// short one (every later start would refuse it, and `chain init` would have to be undone by hand),
/// and an existing key is never replaced (everything sealed under it would be lost).
final class ChainKeyTests: XCTestCase {
    private func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-chainkey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testANewKeyIsOneFileOf32BytesThatOnlyItsOwnerReads() throws {
        let dir = try directory()
        let path = dir.appendingPathComponent("chain.key").path
        let made = try ChainKey.load(path: path, create: true)
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0)
        XCTAssertEqual(info.st_size, 32)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["chain.key"], "no temporary file left")
        XCTAssertEqual(try ChainKey.load(path: path).check, made.check, "read back, it is the same key")
    }

    func testAnExistingKeyIsNeverReplaced() throws {
        let path = try directory().appendingPathComponent("chain.key").path
        let first = try ChainKey.load(path: path, create: true)
        let again = try ChainKey.load(path: path, create: true)
        XCTAssertEqual(again.check, first.check)
    }

    /// On a full disk the key cannot be written: the command says so, and no key file is left
    /// behind; once there is room, the key is made. A tmpfs of 64 KiB stands in for the disk.
    func testAFullDiskLeavesNoKeyFile() throws {
        guard geteuid() == 0 else { return XCTFail("this test mounts a tmpfs and must run as root") }
        let mount = try directory().appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        try run("/bin/mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mount.path)
        defer { try? run("/bin/umount", "-l", mount.path) }
        let filler = mount.appendingPathComponent("filler").path
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        XCTAssertEqual(errno, ENOSPC)
        close(fd)

        let path = mount.appendingPathComponent("chain.key").path
        XCTAssertThrowsError(try ChainKey.load(path: path, create: true)) { error in
            XCTAssertTrue("\(error)".contains("cannot write"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mount.path), ["filler"],
                       "neither a short key nor a temporary file is left")
        XCTAssertEqual(unlink(filler), 0)
        let made = try ChainKey.load(path: path, create: true)
        XCTAssertEqual(try ChainKey.load(path: path).check, made.check)
    }

    private func run(_ command: String, _ arguments: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command)
        p.arguments = arguments
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(command) \(arguments) exited \(p.terminationStatus)"])
        }
    }
}
