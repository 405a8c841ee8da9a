import Synchronization
import XCTest
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry
@testable import WelkomAgent

/// A consent change and its ledger entry go together: a failing ledger never leaves a consent
/// live without its entry, nor a withdrawal half done for good. And the order of a withdrawal —
/// registry, then the running agent, then the ledger — is the service's, whoever calls it.
final class ConsentServiceTests: XCTestCase {
    var dir: URL!
    let anna = Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna", language: .nl,
                         beaconKey: Block128(hex: "00112233445566778899aabbccddeeff")!)

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-consent-\(UUID().uuidString)")
        _ = try Ledger(dataDirectory: dir)  // exists, so a read-only open finds it
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func service(readOnlyLedger: Bool = false, agent: any AgentLink = NoAgent()) throws -> ConsentService {
        ConsentService(registry: try ConsentRegistry(dataDirectory: dir),
                       ledger: try Ledger(dataDirectory: dir, readOnly: readOnlyLedger), agent: agent)
    }

    func testEnrolmentIsRecordedInTheLedger() async throws {
        let notice = try await service().enroll(anna)
        XCTAssertEqual(notice, .noAgentRunning)
        let entries = try await Ledger(dataDirectory: dir).stored(LedgerQuery()).map(\.entry)
        XCTAssertEqual(entries.map(\.kind), [.consentGiven])
        XCTAssertEqual(entries.first?.customer, "anna")
        let consents = try await ConsentRegistry(dataDirectory: dir).consents()
        XCTAssertEqual(consents.map(\.customer), ["anna"])
    }

    /// The consent record carries a receipt: channel, consent text version and the SHA-256 of that
    /// text as kept in DATA/consent-texts, scopes, expiry.
    func testEnrolmentRecordsAConsentReceiptWithTheTextsHash() async throws {
        let texts = dir.appendingPathComponent("consent-texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        try Data("Ik geef toestemming om mij te herkennen.\n".utf8).write(to: texts.appendingPathComponent("2026-11.txt"))
        var e = anna
        e.consentTextVersion = "2026-11"
        e.expires = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        try await service().enroll(e, channel: "import")
        let stored = try await Ledger(dataDirectory: dir).stored(LedgerQuery(kinds: [.consentGiven]))
        let receipt = try XCTUnwrap(stored.first?.receipt.flatMap(ConsentReceipt.parse))
        XCTAssertEqual(receipt.collectionMethod, "import")
        XCTAssertEqual(receipt.consentTextVersion, "2026-11")
        // sha256 of the file's bytes, computed outside Swift (printf '...' | sha256sum)
        XCTAssertEqual(receipt.consentTextSHA256, "5e4a6f54c65f0b275057b258dfd32bd5ca2b82f15d98a5f784dfd0b138c7cc93")
        XCTAssertEqual(receipt.expires, "2100-01-01T00:00:00.000Z")
        XCTAssertEqual(receipt.version, "KI-CR-v1.1.0")
        XCTAssertFalse(stored.first?.receipt?.contains("anna") ?? true, "the receipt names nobody")
    }

    func testEnrolmentTheLedgerCannotRecordIsUndone() async throws {
        do {
            try await service(readOnlyLedger: true).enroll(anna)
            XCTFail("enrolled although the ledger cannot record it")
        } catch {
            XCTAssertTrue("\(error)".contains("nothing was enrolled"), "\(error)")
        }
        let registry = try ConsentRegistry(dataDirectory: dir)
        let consents = try await registry.consents()
        XCTAssertEqual(consents, [])
        let keys = try await registry.snapshot(at: Date()).keys
        XCTAssertEqual(keys, [])
    }

    func testAWithdrawalInterruptedByTheLedgerIsFinishedByRunningItAgain() async throws {
        try await service().enroll(anna)
        do {
            _ = try await service(readOnlyLedger: true).withdraw("anna")
            XCTFail("a withdrawal the ledger could not record reported success")
        } catch {
            XCTAssertTrue("\(error)".contains("run it again"), "\(error)")
        }
        // The key material is gone at once; the ledger still names her.
        let keys = try await ConsentRegistry(dataDirectory: dir).snapshot(at: Date()).keys
        XCTAssertEqual(keys, [])
        let before = try await Ledger(dataDirectory: dir).stored(LedgerQuery())
        XCTAssertEqual(before.first?.entry.customer, "anna")

        let done = try await service().withdraw("anna")
        XCTAssertEqual(done?.unlinked, 1)
        let ledger = try Ledger(dataDirectory: dir)
        let stored = try await ledger.stored(LedgerQuery())
        XCTAssertEqual(stored.map(\.entry.kind), [.consentGiven, .consentWithdrawn])
        XCTAssertTrue(stored.allSatisfy { $0.entry.customer == nil })
        let verification = try await BlockingIOCall { try ledger.verify() }
        guard case .intact(2, _, _) = verification else { return XCTFail("not intact") }
        // The withdrawal's receipt ends the consent's receipt, without naming her.
        let given = try XCTUnwrap(stored[0].receipt.flatMap(ConsentReceipt.parse))
        let withdrawn = try XCTUnwrap(stored[1].receipt.flatMap(ConsentReceipt.parse))
        XCTAssertEqual(given.event, .given)
        XCTAssertEqual(given.scopes, ["greeting", "name"])
        XCTAssertEqual(given.identifierKinds, ["wlk1"])
        XCTAssertEqual(withdrawn.event, .withdrawn)
        XCTAssertEqual(withdrawn.endsReceipts, [given.consentReceiptID])

        // Done now: a third run finds nothing and records nothing.
        let again = try await service().withdraw("anna")
        XCTAssertNil(again)
        let count = try await ledger.count()
        XCTAssertEqual(count, 2)
    }

    /// The order invariant 3 rests on: when the agent is told, the keys are already gone from the
    /// registry and the ledger still names the customer (so whatever the agent wrote until it
    /// applied the change is unlinked after); when the service returns, nothing names them.
    func testWithdrawalTellsTheAgentBetweenTheRegistryAndTheLedger() async throws {
        let seen = Mutex<[String]>([])
        let dir = self.dir!
        let agent = RecordingAgent { change in
            guard case .withdrawn = change else { return }
            let keys = try ConsentRegistry(dataDirectory: dir).snapshot(at: Date()).keys
            let named = try Ledger(dataDirectory: dir).stored(LedgerQuery(customer: "anna")).count
            seen.withLock { $0.append("keys=\(keys.count) named=\(named)") }
        }
        try await service(agent: agent).enroll(anna)
        let outcome = try await service(agent: agent).withdraw("anna")
        XCTAssertEqual(outcome?.agent, .applied)
        XCTAssertEqual(seen.withLock { $0 }, ["keys=0 named=1"])
        let named = try await Ledger(dataDirectory: dir).stored(LedgerQuery(customer: "anna"))
        XCTAssertEqual(named.count, 0)
    }

    /// An agent that runs but does not confirm: the service says the withdrawal is not finished
    /// (exit non-zero in the CLI), after unlinking what is there.
    func testAWithdrawalTheAgentDoesNotConfirmIsReportedUnfinished() async throws {
        struct Silent: AgentLink {
            func apply(_ change: ConsentChange) async throws -> AgentNotice {
                throw AgentControlClient.Failure.notConfirmed("no answer within 1 s")
            }
        }
        try await service().enroll(anna)
        do {
            _ = try await service(agent: Silent()).withdraw("anna")
            XCTFail("reported done although the agent did not confirm")
        } catch {
            XCTAssertTrue("\(error)".contains("did not confirm"), "\(error)")
        }
        let named = try await Ledger(dataDirectory: dir).stored(LedgerQuery(customer: "anna"))
        XCTAssertEqual(named.count, 0, "unlinked all the same")
    }
}

/// An AgentLink that runs a check when told of a change, standing in for the running agent.
struct RecordingAgent: AgentLink {
    let onChange: @Sendable (ConsentChange) throws -> Void
    func apply(_ change: ConsentChange) async throws -> AgentNotice {
        try onChange(change)
        return .applied
    }
}

/// Runs a blocking store call off the cooperative pool, for tests that need one the stores
/// offer only synchronously (verification).
func BlockingIOCall<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try work() }) }
    }
}
