import WelkomCore
import WelkomLedger
import XCTest

/// The documented encoding, checked against vectors computed independently (Python hashlib,
/// following the description in LedgerChain's doc comment).
final class LedgerChainTests: XCTestCase {
    func testCommitmentVector() {
        let salt = (0..<16).map { UInt8($0) }
        XCTAssertEqual(Hex.encode(LedgerChain.commitment(salt: salt, customer: "c1")),
                       "b3ccafea08de6cae1dd2c93ed4533d67a99935f32740a9013fe9b6d309af9eb5")
    }

    func testLinkVectors() {
        let salt = (0..<16).map { UInt8($0) }
        let commitment = LedgerChain.commitment(salt: salt, customer: "c1")
        let h1 = LedgerChain.link(previous: LedgerChain.genesis, seq: 1, timeMilliseconds: 1_795_975_200_123,
                                  kind: "recognition", commitment: commitment, scheme: "wlk1", till: "1",
                                  prompt: "p-1", detail: nil)
        XCTAssertEqual(Hex.encode(h1), "b5a4087437af12814fb62d54bd208ae8c9fc55c1aa84fc5fb6df26f3d32ecd79")
        let h2 = LedgerChain.link(previous: h1, seq: 2, timeMilliseconds: -5, kind: "purge", commitment: nil,
                                  scheme: nil, till: nil, prompt: nil, detail: "détail")
        XCTAssertEqual(Hex.encode(h2), "b660f225c5ebc78223fd46f01b058b118ab7205b535d79056df17f352398c9ef")
    }

    /// Absent and empty are different: moving a value between neighbouring fields changes the hash.
    func testEncodingIsUnambiguous() {
        func h(_ till: String?, _ prompt: String?) -> [UInt8] {
            LedgerChain.link(previous: LedgerChain.genesis, seq: 1, timeMilliseconds: 0, kind: "purge",
                             commitment: nil, scheme: nil, till: till, prompt: prompt, detail: nil)
        }
        XCTAssertNotEqual(h(nil, nil), h("", nil))
        XCTAssertNotEqual(h("ab", nil), h(nil, "ab"))
        XCTAssertNotEqual(h("a", "b"), h("ab", ""))
    }

    func testRFC3339() {
        XCTAssertEqual(LedgerTime.rfc3339(milliseconds: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(LedgerTime.rfc3339(milliseconds: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(LedgerTime.rfc3339(milliseconds: 1_795_975_200_123), "2026-11-29T18:00:00.123Z")
        XCTAssertEqual(LedgerTime.rfc3339(milliseconds: 1_709_210_096_789), "2024-02-29T12:34:56.789Z")
        XCTAssertEqual(LedgerTime.rfc3339(milliseconds: 951_782_400_000), "2000-02-29T00:00:00.000Z")
        // A Date built from a decimal fraction prints the milliseconds it was meant to have.
        XCTAssertEqual(LedgerTime.rfc3339(Date(timeIntervalSince1970: 1_795_975_200.123)), "2026-11-29T18:00:00.123Z")
        XCTAssertEqual(LedgerTime.milliseconds(Date(timeIntervalSince1970: 1.001)), 1001)
    }
}
