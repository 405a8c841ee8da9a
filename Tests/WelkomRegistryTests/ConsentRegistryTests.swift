import Foundation
import GRDB
import WelkomCore
import WelkomRegistry
import XCTest

final class ConsentRegistryTests: XCTestCase {
    /// 2026-11-29T18:00:00Z
    let now = Date(timeIntervalSince1970: 1_795_975_200)
    let annaKey = Block128(hex: "00112233445566778899aabbccddeeff")!
    let bertCard = "8712345678906"

    private func registry(_ dir: URL, at date: Date? = nil) throws -> ConsentRegistry {
        try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: date ?? now))
    }

    private func anna(expires: Date? = nil) -> Enrolment {
        Enrolment(customer: "anna-42", scopes: [.greeting, .name], name: "Anna", language: .en,
                  beaconKey: annaKey, expires: expires, consentTextVersion: "2026-01", note: "no Air Miles question")
    }

    private func bert() -> Enrolment {
        Enrolment(customer: "bert-7", scopes: [.greeting, .offers], cards: [bertCard, "uid:04a1b2c3d4e5f6"])
    }

    func testEnrolListProfilesKeysWithdraw() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        let expiry = now.addingTimeInterval(86_400 * 365)
        try reg.enroll(anna(expires: expiry))
        try reg.enroll(bert())

        let list = try reg.consents()
        XCTAssertEqual(list, [
            ConsentSummary(customer: "anna-42", scopes: [.greeting, .name], name: "Anna", language: .en,
                           hasBeaconKey: true, cardCount: 0, enrolled: now, expires: expiry,
                           consentTextVersion: "2026-01", note: "no Air Miles question"),
            ConsentSummary(customer: "bert-7", scopes: [.greeting, .offers], name: nil, language: .nl,
                           hasBeaconKey: false, cardCount: 2, enrolled: now, expires: nil,
                           consentTextVersion: nil, note: nil),
        ])
        XCTAssertEqual(try reg.profile(of: "anna-42"),
                       CustomerProfile(customer: "anna-42", name: "Anna", language: .en, scopes: [.greeting, .name],
                                       note: "no Air Miles question"))
        XCTAssertNil(try reg.profile(of: "nobody"))
        XCTAssertEqual(Set(try reg.profiles().keys), ["anna-42", "bert-7"])

        let keys = try reg.activeKeys(at: now)
        XCTAssertEqual(keys.map(\.customer), ["anna-42", "bert-7"])
        XCTAssertEqual(keys[0].beaconKey, annaKey)
        XCTAssertEqual(keys[0].expires, expiry)
        XCTAssertEqual(keys[0].cardPseudonyms, [])
        XCTAssertNil(keys[1].beaconKey)
        XCTAssertEqual(Set(keys[1].cardPseudonyms),
                       [reg.pseudonym(forCard: bertCard), reg.pseudonym(forCard: "uid:04a1b2c3d4e5f6")])
        XCTAssertEqual(keys[1].cardPseudonyms.first?.count, 32)

        XCTAssertTrue(try reg.withdraw(customer: "anna-42"))
        XCTAssertFalse(try reg.withdraw(customer: "anna-42"))
        XCTAssertFalse(try reg.withdraw(customer: "nobody"))
        XCTAssertEqual(try reg.consents().map(\.customer), ["bert-7"])
        XCTAssertNil(try reg.profile(of: "anna-42"))
        XCTAssertEqual(try reg.activeKeys(at: now).map(\.customer), ["bert-7"])
    }

    func testReEnrolmentReplacesTheWholeConsent() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(bert())
        let newKey = Block128(hex: "ffeeddccbbaa99887766554433221100")!
        try reg.enroll(Enrolment(customer: "bert-7", scopes: [.greeting], language: .en, beaconKey: newKey,
                                 cards: ["12345678"]))
        let keys = try reg.activeKeys(at: now)
        XCTAssertEqual(keys.count, 1)
        XCTAssertEqual(keys[0].beaconKey, newKey)
        XCTAssertEqual(keys[0].cardPseudonyms, [reg.pseudonym(forCard: "12345678")])
        XCTAssertEqual(try reg.profile(of: "bert-7")?.scopes, [.greeting])
        XCTAssertEqual(try reg.consents().first?.cardCount, 1)
        // The old card is free again for someone else.
        try reg.enroll(Enrolment(customer: "carla", scopes: [.greeting], cards: [bertCard]))
        XCTAssertEqual(try reg.consents().count, 2)
    }

    func testInvalidEnrolmentsAreRefusedClearlyAndChangeNothing() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(anna())
        try reg.enroll(bert())
        let counter = try reg.changeCounter()
        let cases: [(Enrolment, RegistryError, String)] = [
            (Enrolment(customer: "", scopes: [.greeting], beaconKey: annaKey), .emptyCustomerID, "customer ID is empty"),
            (Enrolment(customer: "  ", scopes: [.greeting], cards: ["1234"]), .emptyCustomerID, "empty"),
            (Enrolment(customer: "dora", scopes: [], cards: ["1234"]), .noScopes(customer: "dora"), "no scopes"),
            (Enrolment(customer: "dora", scopes: [.greeting]), .nothingToRecognise(customer: "dora"), "nothing to recognise"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["1234"], expires: now.addingTimeInterval(-1)),
             .expiryInPast(customer: "dora", expires: now.addingTimeInterval(-1)), "not in the future"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["1234"], expires: now),
             .expiryInPast(customer: "dora", expires: now), "not in the future"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["1234", "8712 3456"]),
             .cardNotNormalised(customer: "dora", card: 2), "card 2 is not a normalised"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["uid:04A1B2C3"]),
             .cardNotNormalised(customer: "dora", card: 1), "card 1"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["uid:04a1b2"]),
             .cardNotNormalised(customer: "dora", card: 1), "card 1"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["123"]),
             .cardNotNormalised(customer: "dora", card: 1), "card 1"),
            (Enrolment(customer: "dora", scopes: [.greeting], cards: ["5555", bertCard]),
             .cardEnrolledForAnotherCustomer(customer: "dora", card: 2), "already enrolled for another customer"),
            (Enrolment(customer: "dora", scopes: [.greeting], beaconKey: annaKey),
             .beaconKeyEnrolledForAnotherCustomer(customer: "dora"), "beacon key is already enrolled"),
        ]
        for (enrolment, expected, text) in cases {
            XCTAssertThrowsError(try reg.enroll(enrolment)) { error in
                XCTAssertEqual(error as? RegistryError, expected)
                XCTAssertTrue(String(describing: error).contains(text), String(describing: error))
                // An error never repeats a card number.
                XCTAssertFalse(String(describing: error).contains(self.bertCard))
            }
        }
        XCTAssertEqual(try reg.consents().map(\.customer), ["anna-42", "bert-7"])
        XCTAssertEqual(try reg.consents()[1].cardCount, 2)
        XCTAssertEqual(try reg.changeCounter(), counter)
        XCTAssertThrowsError(try reg.withdraw(customer: ""))
    }

    func testPepperFileIsPrivateFixedSizeAndStable() throws {
        let dir = try makeTemporaryDirectory(self).appendingPathComponent("data")
        let first = try registry(dir)
        let path = dir.appendingPathComponent("card-pepper.key").path
        XCTAssertEqual(first.pepperFileURL.path, path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual(attributes[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(attributes[.size] as? Int, 32)
        XCTAssertEqual(FileManager.default.contents(atPath: path).map(Array.init), first.pepper)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int, 0o700)
        XCTAssertEqual(try FileManager.default.attributesOfItem(
            atPath: dir.appendingPathComponent("registry.sqlite").path)[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(try registry(dir).pepper, first.pepper)
        XCTAssertNotEqual(try registry(try makeTemporaryDirectory(self)).pepper, first.pepper)
        // The pepper never enters the database.
        try first.enroll(bert())
        XCTAssertNil(anyFile(databaseFileBytes(first.fileURL), contains: first.pepper))
    }

    func testPepperFileOfWrongModeOrSizeIsRefused() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir.appendingPathComponent("card-pepper.key").path
        _ = try registry(dir)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        XCTAssertThrowsError(try registry(dir)) { error in
            // Refused by the data directory's check before the registry opens (invariant 9).
            XCTAssertTrue(String(describing: error).contains("\(path): mode 0644"), "\(error)")
            XCTAssertTrue(String(describing: error).contains("chmod 600 \(path)"), "\(error)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 31)
        try handle.close()
        XCTAssertThrowsError(try registry(dir)) { error in
            XCTAssertEqual(error as? RegistryError, .pepperWrongSize(path: path, size: 31))
        }
    }

    func testCardNumbersAppearNowhereInTheDatabaseFiles() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        try reg.enroll(bert())
        let files = databaseFileBytes(reg.fileURL)
        XCTAssertNil(anyFile(files, contains: Array(bertCard.utf8)))
        XCTAssertNil(anyFile(files, contains: Array("04a1b2c3d4e5f6".utf8)))
        XCTAssertNil(anyFile(files, contains: [0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6]))
        // What is stored instead: the pseudonym (so the search above looks where the data is).
        XCTAssertNotNil(anyFile(files, contains: reg.pseudonym(forCard: bertCard)))
    }

    func testWithdrawalLeavesNoKeyOrIDInTheDatabaseFiles() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        let customer = "anna-9d2f61c0-withdraws"
        let cardPseudonym = reg.pseudonym(forCard: "99887766")
        try reg.enroll(Enrolment(customer: customer, scopes: [.greeting], name: "Anna Verhoeven",
                                 beaconKey: annaKey, cards: ["99887766"]))
        try reg.enroll(bert())
        let before = databaseFileBytes(reg.fileURL)
        XCTAssertNotNil(anyFile(before, contains: annaKey.bytes))
        XCTAssertNotNil(anyFile(before, contains: Array(customer.utf8)))

        XCTAssertTrue(try reg.withdraw(customer: customer))

        let after = databaseFileBytes(reg.fileURL)
        XCTAssertNil(anyFile(after, contains: annaKey.bytes))
        XCTAssertNil(anyFile(after, contains: Array(customer.utf8)))
        XCTAssertNil(anyFile(after, contains: Array("Anna Verhoeven".utf8)))
        XCTAssertNil(anyFile(after, contains: cardPseudonym))
        XCTAssertNotNil(anyFile(after, contains: Array("bert-7".utf8)))
    }

    /// The second instance stands for the CLI process next to the running agent.
    func testChangeCounterSeesChangesFromAnotherOpener() throws {
        let dir = try makeTemporaryDirectory(self)
        let agent = try registry(dir)
        let cli = try registry(dir)
        let c0 = try agent.changeCounter()
        try cli.enroll(anna())
        let c1 = try agent.changeCounter()
        XCTAssertGreaterThan(c1, c0)
        XCTAssertEqual(try agent.activeKeys(at: now).map(\.customer), ["anna-42"])
        try cli.enroll(anna())
        let c2 = try agent.changeCounter()
        XCTAssertGreaterThan(c2, c1)
        XCTAssertFalse(try cli.withdraw(customer: "nobody"))
        XCTAssertEqual(try agent.changeCounter(), c2)
        XCTAssertTrue(try cli.withdraw(customer: "anna-42"))
        XCTAssertGreaterThan(try agent.changeCounter(), c2)
        XCTAssertEqual(try agent.activeKeys(at: now), [])
    }

    func testActiveKeysExcludeExpiredConsents() throws {
        let reg = try registry(try makeTemporaryDirectory(self))
        let expiry = now.addingTimeInterval(3600)
        try reg.enroll(anna(expires: expiry))
        try reg.enroll(Enrolment(customer: "bert-7", scopes: [.greeting], cards: [bertCard],
                                 expires: now.addingTimeInterval(7200)))
        try reg.enroll(Enrolment(customer: "carla", scopes: [.greeting], cards: ["1111"]))
        XCTAssertEqual(try reg.activeKeys(at: now).map(\.customer), ["anna-42", "bert-7", "carla"])
        XCTAssertEqual(try reg.activeKeys(at: expiry.addingTimeInterval(-0.001)).map(\.customer),
                       ["anna-42", "bert-7", "carla"])
        XCTAssertEqual(try reg.activeKeys(at: expiry).map(\.customer), ["bert-7", "carla"])
        let later = try reg.activeKeys(at: now.addingTimeInterval(10_000))
        XCTAssertEqual(later.map(\.customer), ["carla"])
        XCTAssertEqual(later.first?.cardPseudonyms, [reg.pseudonym(forCard: "1111")])
        // Expired consents are still listed, for the back office to renew or withdraw.
        XCTAssertEqual(try reg.consents().count, 3)
    }

    func testConcurrentEnrolmentsFromTwoOpeners() throws {
        let dir = try makeTemporaryDirectory(self)
        let agent = try registry(dir)
        let cli = try registry(dir)
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            let reg = i % 2 == 0 ? agent : cli
            try? reg.enroll(Enrolment(customer: "c\(i)", scopes: [.greeting], cards: [String(10_000 + i)]))
        }
        XCTAssertEqual(try agent.consents().count, 40)
        XCTAssertEqual(try cli.changeCounter(), 40)
    }

    /// A hand-edited row is reported, naming the customer, instead of crashing the agent.
    func testUnreadableRowIsAnError() throws {
        let dir = try makeTemporaryDirectory(self)
        let reg = try registry(dir)
        try reg.enroll(bert())
        let raw = try DatabaseQueue(path: reg.fileURL.path)
        try raw.write { try $0.execute(sql: "UPDATE consent SET language = 'xx', scopes = 'greeting,hugs'") }
        try raw.close()
        XCTAssertThrowsError(try reg.profiles()) { error in
            XCTAssertTrue(String(describing: error).contains("bert-7"), String(describing: error))
        }
    }
}
