import Foundation
import WelkomRegistry
import WelkomStorage
import XCTest

/// Invariant 9: a data directory, or a key file in it, that another user could write or plant
/// is refused — each problem naming the path and the fix — by the one check the agent, the CLI
/// and the stores share (DataDirectory). These tests chown to `nobody`, so they run as root.
final class DataDirectoryTests: XCTestCase {
    let nobody: uid_t = 65_534

    /// A fresh 0700 directory under a 0755 root-owned parent of the test's own (not /tmp, whose
    /// sticky bit is a case of its own).
    func makeParent() throws -> URL {
        guard geteuid() == 0 else {
            XCTFail("DataDirectoryTests chown files to nobody and must run as root")
            throw CocoaError(.featureUnsupported)
        }
        let parent = URL(fileURLWithPath: "/var/tmp/welkom-dd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        addTeardownBlock { try? FileManager.default.removeItem(at: parent) }
        return parent
    }

    func makeDataDirectory() throws -> URL {
        let dir = try makeParent().appendingPathComponent("data")
        _ = try ConsentRegistry(dataDirectory: dir)  // creates it, the registry and the pepper
        return dir
    }

    func problems(_ dir: URL) -> String {
        DataDirectory.check(dir, forWriting: true).map(\.description).joined(separator: "\n")
    }

    func assertRefused(_ dir: URL, naming needle: String, fix: String, file: StaticString = #filePath, line: UInt = #line) {
        let text = problems(dir)
        XCTAssertTrue(text.contains(needle), "expected a problem naming \(needle):\n\(text)", file: file, line: line)
        XCTAssertTrue(text.contains("fix: ") && text.contains(fix), "expected the fix \(fix):\n\(text)", file: file, line: line)
        XCTAssertThrowsError(try ConsentRegistry(dataDirectory: dir), "the registry opened anyway", file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fix), "\(error)", file: file, line: line)
        }
    }

    func testAFreshDirectoryIsOursAndPasses() throws {
        let dir = try makeDataDirectory()
        XCTAssertEqual(problems(dir), "")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int, 0o700)
    }

    func testAWorldWritableDirectoryIsRefused() throws {
        let dir = try makeDataDirectory()
        chmod(dir.path, 0o777)
        assertRefused(dir, naming: "\(dir.path): mode 0777 lets everyone write to it", fix: "chmod 700 \(dir.path)")
    }

    func testADirectoryOwnedByAnotherUserIsRefused() throws {
        let dir = try makeDataDirectory()
        XCTAssertEqual(chown(dir.path, nobody, gid_t(nobody)), 0)
        assertRefused(dir, naming: "\(dir.path): owned by nobody", fix: "chown -R root: \(dir.path)")
    }

    func testAGroupWritableParentIsRefused() throws {
        let dir = try makeDataDirectory()
        chmod(dir.deletingLastPathComponent().path, 0o775)
        assertRefused(dir, naming: "\(dir.deletingLastPathComponent().path): a parent of the data directory with mode 0775",
                      fix: "chmod go-w \(dir.deletingLastPathComponent().path)")
    }

    func testAParentOwnedByAnotherUserIsRefused() throws {
        let dir = try makeDataDirectory()
        XCTAssertEqual(chown(dir.deletingLastPathComponent().path, nobody, gid_t(nobody)), 0)
        assertRefused(dir, naming: "owned by nobody", fix: "chown root: \(dir.deletingLastPathComponent().path)")
    }

    func testASymlinkedDirectoryOrComponentIsRefused() throws {
        let dir = try makeDataDirectory()
        let parent = dir.deletingLastPathComponent()
        let link = parent.appendingPathComponent("link")
        XCTAssertEqual(symlink(dir.path, link.path), 0)
        assertRefused(link, naming: "\(link.path): a symlink", fix: "readlink -f \(link.path)")
        let linkedParent = parent.appendingPathComponent("linked-parent")
        XCTAssertEqual(symlink(parent.path, linkedParent.path), 0)
        assertRefused(linkedParent.appendingPathComponent("data"), naming: "\(linkedParent.path): a symlink", fix: "readlink -f")
    }

    func testPlantedKeyFilesAreRefused() throws {
        for name in ["card-pepper.key", "ledger-signing.key"] {
            let dir = try makeDataDirectory()
            let key = dir.appendingPathComponent(name).path
            if name == "ledger-signing.key" { FileManager.default.createFile(atPath: key, contents: Data(count: 32), attributes: [.posixPermissions: 0o600]) }
            chmod(key, 0o644)
            assertRefused(dir, naming: "\(key): mode 0644", fix: "chmod 600 \(key)")
            chmod(key, 0o600)
            XCTAssertEqual(chown(key, nobody, gid_t(nobody)), 0)
            assertRefused(dir, naming: "\(key): owned by nobody", fix: "remove it")
            let elsewhere = dir.deletingLastPathComponent().appendingPathComponent("planted-\(name)").path
            XCTAssertEqual(rename(key, elsewhere), 0)
            XCTAssertEqual(symlink(elsewhere, key), 0)
            assertRefused(dir, naming: "\(key): a symlink", fix: "rm \(key)")
        }
    }

    func testASymlinkedStoreIsRefusedAndItsTargetNotCreated() throws {
        let dir = try makeDataDirectory()
        let target = dir.deletingLastPathComponent().appendingPathComponent("target.sqlite").path
        let store = dir.appendingPathComponent("till-pairings.sqlite").path
        XCTAssertEqual(symlink(target, store), 0)
        assertRefused(dir, naming: "\(store): a symlink", fix: "rm \(store)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        XCTAssertThrowsError(try PrivateSQLiteFile.prepare(directory: dir, file: URL(fileURLWithPath: store)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "the link's target was created")
    }

    /// A root-owned sticky parent like /tmp (1777): accepted when the directory is ours and
    /// 0700 (nobody else can rename or replace it there), refused when it is not.
    func testAStickyRootParentIsAcceptedOnlyForAPrivateDirectoryOfOurs() throws {
        let sticky = try makeParent()
        chmod(sticky.path, 0o1777)
        let dir = sticky.appendingPathComponent("data")
        _ = try ConsentRegistry(dataDirectory: dir)
        XCTAssertEqual(problems(dir), "")
        chmod(dir.path, 0o750)
        XCTAssertTrue(problems(dir).contains("it must be 0700"), problems(dir))
        chmod(dir.path, 0o700)
        chmod(sticky.path, 0o777)  // not sticky: anyone may rename the data directory away
        XCTAssertTrue(problems(dir).contains("mode 0777: everyone may rename or replace"), problems(dir))
    }

    func testSystemDirectoriesAreRefusedEvenForReading() {
        for path in ["/", "/etc", "/var", "/tmp", "/usr", "/home", "/root", "/var/lib", "/etc/"] {
            let problems = DataDirectory.check(URL(fileURLWithPath: path), forWriting: false)
            XCTAssertEqual(problems.count, 1, path)
            XCTAssertTrue(problems.first?.description.contains("a system directory") ?? false, path)
        }
        XCTAssertEqual(DataDirectory.check(URL(fileURLWithPath: "/var/lib/welkom"), forWriting: false), [])
    }

    /// `--out` files: a symlink is replaced, never written through; an existing 0666 file ends 0600.
    func testWriteAtomicallyReplacesALinkAndAnOpenMode() throws {
        let parent = try makeParent()
        let victim = parent.appendingPathComponent("victim").path
        FileManager.default.createFile(atPath: victim, contents: Data("keep".utf8))
        let out = parent.appendingPathComponent("out.json").path
        XCTAssertEqual(symlink(victim, out), 0)
        try DataDirectory.writeAtomically(Array("package".utf8), to: out)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "keep")
        var st = stat()
        XCTAssertEqual(lstat(out, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        let open = parent.appendingPathComponent("open.json").path
        FileManager.default.createFile(atPath: open, contents: Data("old".utf8), attributes: [.posixPermissions: 0o666])
        try DataDirectory.writeAtomically(Array("new".utf8), to: open)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: open)[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try String(contentsOfFile: open, encoding: .utf8), "new")
    }
}
