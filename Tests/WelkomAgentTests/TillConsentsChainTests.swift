import Foundation
import Synchronization
import XCTest
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry
import WelkomTillHub
@testable import WelkomAgent

/// The desk in chain mode decides by where the consent is recorded: refused centrally, nothing is
/// stored anywhere and the page says so; recorded centrally but not here (this store cannot
/// write now), the customer is enrolled — the chain holds it and this store's sync loads it — so
/// the page says enrolled and a new key still reaches the customer.
final class TillConsentsChainTests: XCTestCase {
    /// The chain's side as the desk sees it (the store login's functions); PostgreSQL itself is in
    /// WelkomChainTests and Tests/e2e/test_till_desk.py.
    final class Central: TillCentralRegistry {
        let enrolled = Mutex<[CustomerID]>([])
        let refuse: Bool
        init(refuse: Bool) { self.refuse = refuse }
        struct Down: Error {}
        func enrol(_ e: Enrolment, receipt: ConsentReceipt) async throws {
            if refuse { throw Down() }
            enrolled.withLock { $0.append(e.customer) }
        }
        func withdraw(_ customer: CustomerID, receipt: ConsentReceipt) async throws -> Bool { false }
        func doNotAsk(card: String, expires: Date, receipt: ConsentReceipt) async throws {}
        func removeDoNotAsk(card: String) async throws -> Bool { false }
    }

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-desk-chain-\(UUID().uuidString)")
        let texts = dir.appendingPathComponent("consent-texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        try Data("Ik geef toestemming.\n".utf8).write(to: texts.appendingPathComponent("2026-01-nl.txt"))
        _ = try Ledger(dataDirectory: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func desk(central: Central, readOnlyLedger: Bool) throws -> TillConsents {
        let service = ConsentService(registry: try ConsentRegistry(dataDirectory: dir),
                                     ledger: try Ledger(dataDirectory: dir, readOnly: readOnlyLedger), agent: NoAgent())
        return TillConsents(service: service, companyID: 0xFFFF, exemptions: .none, doNotAskLifetime: 86400,
                            clock: SystemClock(), chainMode: true, central: central)
    }

    let request = DeskEnrolmentRequest(till: "1", pairing: "screen", card: "4006381333931", scopes: [.greeting],
                                       language: .nl, name: nil, wantsKey: true)

    func testRecordedCentrallyButNotHereIsEnrolledAndTheKeyIsShown() async throws {
        let central = Central(refuse: false)
        let result = try await desk(central: central, readOnlyLedger: true).enrol(request)
        XCTAssertEqual(central.enrolled.withLock { $0 }, [result.customer])
        XCTAssertNotNil(result.keyURI, "the customer's new key was not shown")
        let local = try await ConsentRegistry(dataDirectory: dir).consents()
        XCTAssertEqual(local, [], "not loaded here: this store's sync will")
    }

    func testRefusedCentrallyStoresNothingAnywhere() async throws {
        let central = Central(refuse: true)
        do {
            _ = try await desk(central: central, readOnlyLedger: false).enrol(request)
            XCTFail("a refused enrolment was reported enrolled")
        } catch let refusal as DeskRefusal {
            XCTAssertTrue(refusal.description.contains("nothing was stored"), refusal.description)
        }
        let local = try await ConsentRegistry(dataDirectory: dir).consents()
        XCTAssertEqual(local, [])
        let entries = try await Ledger(dataDirectory: dir).count()
        XCTAssertEqual(entries, 0)
    }
}
