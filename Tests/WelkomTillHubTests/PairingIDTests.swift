import Foundation
import WelkomTillHub
import XCTest

/// Issue 12, finding 7: a pairing ID that starts with '-' is taken for an option by `till revoke`;
/// new IDs never start with one (before, 1 in 64 did).
final class PairingIDTests: XCTestCase {
    func testNewPairingIDsNeverStartWithADash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-pairing-ids-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let store = try PairingStore(dataDirectory: dir)
        let now = Date()
        var ids: [String] = []
        for _ in 0..<640 {
            let code = try store.issueCode(till: "1", now: now)
            ids.append(try XCTUnwrap(try store.redeem(code: code, now: now)).pairing.id)
        }
        XCTAssertTrue(ids.allSatisfy { !$0.hasPrefix("-") && $0.count == 10 }, ids.filter { $0.hasPrefix("-") }.joined(separator: " "))
        XCTAssertEqual(Set(ids).count, ids.count)
    }
}
