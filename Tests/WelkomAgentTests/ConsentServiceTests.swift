import Synchronization
import XCTest
import WelkomConsent
import WelkomCore
import WelkomIdentifiers
import WelkomLedger
import WelkomRegistry
import WelkomCards
import WelkomConfig
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

    /// A "do not ask" taken back — by enrolling the card after all — leaves no marker, no entry
    /// naming it, and a withdrawal receipt (naming nobody) that ends the marker's receipt.
    func testEnrollingAMarkedCardTakesTheDoNotAskBackWithAReceipt() async throws {
        let card = "4006381333931"
        let service = try service()
        let marker = try await service.declineAndDoNotAsk(card: card, expires: Date().addingTimeInterval(3600),
                                                          channel: "till", collectedBy: "desk-pairing")
        let ledger = try Ledger(dataDirectory: dir)
        let marked = try await ledger.stored(LedgerQuery(customer: marker.marker, kinds: [.doNotAsk]))
        let markReceipt = try XCTUnwrap(marked.first?.receipt.flatMap(ConsentReceipt.parse))

        var e = anna
        e.cards = [card]
        try await service.enroll(e, channel: "till", collectedBy: "desk-pairing")

        let registry = try ConsentRegistry(dataDirectory: dir)
        let left = try await registry.doNotAsk(card: card, at: Date())
        XCTAssertNil(left, "the marker stands after enrolment")
        let naming = try await ledger.stored(LedgerQuery(customer: marker.marker))
        XCTAssertEqual(naming.count, 0, "entries still name the marker")
        let withdrawn = try await ledger.stored(LedgerQuery(kinds: [.consentWithdrawn]))
        XCTAssertEqual(withdrawn.count, 1)
        let receipt = try XCTUnwrap(withdrawn.first?.receipt.flatMap(ConsentReceipt.parse))
        XCTAssertEqual(receipt.endsReceipts, [markReceipt.consentReceiptID])
        XCTAssertEqual(receipt.collectionMethod, "till")
        XCTAssertEqual(receipt.collectedBy, "desk-pairing")
        XCTAssertNil(withdrawn.first?.entry.customer)
        let consents = try await registry.consents()
        XCTAssertEqual(consents.map(\.customer), ["anna"], "the enrolment stands")

        // Nothing left to take back: nothing recorded.
        let again = try await service.takeBackDoNotAsk(marker: marker.marker, channel: "till", collectedBy: nil)
        XCTAssertFalse(again)
        let withdrawals = try await ledger.stored(LedgerQuery(kinds: [.consentWithdrawn]))
        XCTAssertEqual(withdrawals.count, 1)
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

/// `consent import` is all-or-nothing, and every enrolment entry point refuses payment cards and
/// fields beyond `FieldLimits` (issue 12, findings 1, 6 and 7).
final class ConsentImportTests: XCTestCase {
    var dir: URL!
    let now = Date(timeIntervalSince1970: 1_795_975_200)

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-import-\(UUID().uuidString)")
        _ = try Ledger(dataDirectory: dir)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func problems(_ text: String, exempting: PaymentCardExemptions = .none) -> [String] {
        switch ConsentImportFile.parse(text, file: "in.jsonl", now: now, exempting: exempting) {
        case .success(let all): XCTFail("imported \(all.count)"); return []
        case .failure(let problems): return problems.lines
        }
    }

    func testAFileOfTheMostLinesMayEndWithANewline() {
        // Blank lines are skipped, so only the line count is at stake here.
        let line = #"{"customer":"c1","scopes":"greeting","cards":["8712345678906"]}"#
        let most = String(repeating: "\n", count: ConsentImportFile.maximumLines - 1) + line
        guard case .success(let all) = ConsentImportFile.parse(most + "\n", file: "in.jsonl", now: now) else {
            return XCTFail("a file of \(ConsentImportFile.maximumLines) lines ending in a newline was refused")
        }
        XCTAssertEqual(all.map(\.customer), ["c1"])
        XCTAssertEqual(problems("\n" + most + "\n"),
                       ["in.jsonl: more than \(ConsentImportFile.maximumLines) lines; split the file"])
    }

    func testUnknownKeysAreRefusedWithASuggestion() {
        XCTAssertEqual(problems(#"{"customer":"c1","scopes":"greeting","cards":["8712345678906"],"expiry":"2030-01-01"}"#),
                       [#"in.jsonl:1: unknown key "expiry" (did you mean "expires"?)"#])
        XCTAssertEqual(problems("\n" + #"{"customer":"c1","scopes":"greeting","cards":["8712345678906"],"colour":"red"}"#),
                       [#"in.jsonl:2: unknown key "colour""#])
    }

    func testDuplicateCustomersAndCardsAreRefusedWithBothLines() {
        let text = """
            {"customer":"c1","scopes":"greeting","cards":["8712345678906"]}
            {"customer":"c2","scopes":"greeting","cards":["96385074"]}
            {"customer":"c1","scopes":"greeting","cards":["123456789"]}
            {"customer":"c4","scopes":"greeting","cards":["96385074"]}
            """
        XCTAssertEqual(problems(text), [
            #"in.jsonl:3: customer "c1" is already on line 1; each customer once"#,
            "in.jsonl:4: card #1 is already on line 2; a card belongs to one customer",
        ])
    }

    func testControlCharactersInAnyStringAreRefused() {
        XCTAssertEqual(problems(#"{"customer":"c1\u0000c2","scopes":"greeting","cards":["8712345678906"]}"#),
                       ["in.jsonl:1: --customer holds a control character at position 3"])
        XCTAssertEqual(problems(#"{"customer":"c1","scopes":"greeting","name":"A\u001b[31m","cards":["8712345678906"]}"#),
                       ["in.jsonl:1: --name holds a control character at position 2"])
        XCTAssertEqual(problems(#"{"customer":"c1","scopes":"greeting","tags":["a\nb"],"cards":["8712345678906"]}"#),
                       ["in.jsonl:1: --tag #1 holds a control character at position 2"])
        XCTAssertEqual(problems(#"{"customer":"c1","scopes":"greeting","note":"x\u007f","cards":["8712345678906"]}"#),
                       ["in.jsonl:1: --note holds a control character at position 2"])
        XCTAssertEqual(problems(#"{"customer":"c1","scopes":"greeting","note":"x\u0085","cards":["8712345678906"]}"#),
                       ["in.jsonl:1: --note holds a control character at position 2"])
    }

    func testPANsInEveryFramingAreRefusedWithoutEchoingThem() {
        for pan in ["5500005555555559", "4111 1111 1111 1111", "4111-1111-1111-1111", ";5500005555555559?",
                    ";4111111111111111=2512?", "%B4111111111111111^DOE/JANE^2512?", "378282246310005"] {
            let lines = problems(#"{"customer":"c1","scopes":"greeting","cards":["\#(pan)"]}"#)
            XCTAssertEqual(lines.count, 1, pan)
            XCTAssertTrue(lines.first?.hasPrefix("in.jsonl:1: --card #1 is a payment card number") ?? false, "\(lines)")
            XCTAssertFalse(lines.joined().contains("1111"), "\(lines)")
            XCTAssertFalse(lines.joined().contains("5555"), "\(lines)")
            XCTAssertFalse(lines.joined().contains("8224"), "\(lines)")
            // And at `consent enroll`.
            let form = EnrolmentForm(customer: "c1", scopes: "greeting", locale: "nl", cards: [pan])
            XCTAssertThrowsError(try form.enrolment(now: now)) { error in
                XCTAssertTrue("\(error)".hasPrefix("--card #1 is a payment card number"), "\(error)")
                XCTAssertFalse("\(error)".contains("1111"))
            }
        }
        // The shop's own prefix passes at both.
        let own = try! XCTUnwrap(PaymentCardExemptions(prefixes: ["6012345"]))
        let line = #"{"customer":"c1","scopes":"greeting","cards":["6012345000000002"]}"#
        XCTAssertEqual(problems(line).count, 1)
        guard case .success(let all) = ConsentImportFile.parse(line, file: "in.jsonl", now: now, exempting: own) else {
            return XCTFail("the allowed prefix was refused")
        }
        XCTAssertEqual(all.first?.cards, ["6012345000000002"])
    }

    func testFieldLimitsAtTheEnrolmentForm() {
        func refused(_ form: EnrolmentForm, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try form.enrolment(now: now), line: line) { XCTAssertEqual("\($0)", message, line: line) }
        }
        var form = EnrolmentForm(customer: String(repeating: "c", count: 65), scopes: "greeting", locale: "nl",
                                 cards: ["8712345678906"])
        refused(form, "--customer is 65 bytes long, at most 64 allowed")
        form.customer = "c1"
        form.name = String(repeating: "n", count: 81)
        refused(form, "--name is 81 bytes long, at most 80 allowed")
        form.name = nil
        form.note = String(repeating: "n", count: 501)
        refused(form, "--note is 501 bytes long, at most 500 allowed")
        form.note = nil
        form.tags = [String(repeating: "t", count: 65)]
        refused(form, "--tag #1 must be 1–64 letters, digits, '-', '_' or '.'")
        form.tags = (0..<33).map { "t\($0)" }
        refused(form, "--tag given 33 times, at most 32 allowed")
        form.tags = []
        form.consentTextVersion = String(repeating: "v", count: 65)
        refused(form, "--consent-text-version is 65 bytes long, at most 64 allowed")
    }

    /// The issue's case: one bad line (a card already enrolled for someone else, found only by the
    /// registry) among good ones imports nothing — registry and ledger unchanged.
    func testAnImportWithOneBadLineImportsNothing() async throws {
        let service = ConsentService(registry: try ConsentRegistry(dataDirectory: dir), ledger: try Ledger(dataDirectory: dir),
                                     agent: NoAgent())
        try await service.enroll(Enrolment(customer: "owner", scopes: [.greeting], cards: ["96385074"]))
        let ledgerBefore = try await service.ledger.count()
        let consentsBefore = try await service.registry.consents()
        let text = """
            {"customer":"c1","scopes":"greeting","cards":["8712345678906"]}
            {"customer":"c2","scopes":"greeting","cards":["96385074"]}
            {"customer":"c3","scopes":"greeting","cards":["123456789"]}
            """
        guard case .success(let all) = ConsentImportFile.parse(text, file: "in.jsonl", now: Date()) else { return XCTFail() }
        do {
            try await service.enroll(all: all)
            XCTFail("imported although line 2's card belongs to another customer")
        } catch let error as RegistryError {
            XCTAssertEqual(error, .cardEnrolledForAnotherCustomer(customer: "c2", card: 1))
        }
        let consentsAfter = try await service.registry.consents()
        let ledgerAfter = try await service.ledger.count()
        XCTAssertEqual(consentsAfter, consentsBefore)
        XCTAssertEqual(ledgerAfter, ledgerBefore)
    }

    func testAnImportTheLedgerCannotRecordIsUndoneWhole() async throws {
        let service = ConsentService(registry: try ConsentRegistry(dataDirectory: dir),
                                     ledger: try Ledger(dataDirectory: dir, readOnly: true), agent: NoAgent())
        let all = [Enrolment(customer: "c1", scopes: [.greeting], cards: ["8712345678906"]),
                   Enrolment(customer: "c2", scopes: [.greeting], cards: ["96385074"])]
        do {
            try await service.enroll(all: all)
            XCTFail("imported although the ledger cannot record it")
        } catch {
            XCTAssertTrue("\(error)".contains("nothing was imported"), "\(error)")
        }
        let consents = try await service.registry.consents()
        XCTAssertEqual(consents, [])
        let writable = try Ledger(dataDirectory: dir)
        let count = try await writable.count()
        XCTAssertEqual(count, 0)
    }
}

/// `[cards] allow_prefixes` reaches every reader and enrolment through StageSettings, the one
/// mapping from the config (issue 12, finding 1).
final class PaymentCardSettingsTests: XCTestCase {
    func testAllowPrefixesReachEveryReaderAndEnrolment() throws {
        let config = try WelkomConfig.parse("""
            [cards]
            allow_prefixes = ["6012345"]

            [[reader]]
            kind = "serial"
            path = "/dev/ttyACM0"
            till = "1"

            [[reader]]
            kind = "hid-keyboard"
            usb = "05e0:1200"
            till = "1"
            """, file: "w.toml")
        let exemptions = StageSettings.paymentCardExemptions(config)
        XCTAssertEqual(exemptions.prefixes, ["6012345"])
        let readers = try StageSettings.readers(config)
        XCTAssertEqual(readers.map(\.exemptions), [exemptions, exemptions])
        XCTAssertEqual(StageSettings.paymentCardExemptions(.defaults), PaymentCardExemptions.none)
        XCTAssertEqual(try StageSettings.readers(try WelkomConfig.parse("[[reader]]\nkind = \"serial\"\npath = \"/dev/x\"\ntill = \"1\"\n",
                                                                         file: "w.toml")).map(\.exemptions), [.none])
    }
}
