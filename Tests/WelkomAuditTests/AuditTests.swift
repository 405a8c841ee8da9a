import Foundation
import WelkomAudit
import WelkomConfig
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry
import XCTest

final class AuditTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_795_975_200)  // 2026-11-29T18:00:00Z
    let anna = "anna-0b7e51c3-erase-me"
    let bert = "bert-99d0f6aa-keep-me"
    let annaKey = Block128(hex: "a1b2c3d4e5f60718293a4b5c6d7e8f90")!
    let bertKey = Block128(hex: "00112233445566778899aabbccddeeff")!

    struct FixedClock: WelkomClock {
        let date: Date
        func now() -> Date { date }
    }

    /// A store with two enrolled customers, recognitions at two tills over three days, a signed checkpoint.
    func makeStore() throws -> (URL, ConsentRegistry, Ledger) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-audit-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let registry = try ConsentRegistry(dataDirectory: dir, clock: FixedClock(date: t0))
        let ledger = try Ledger(dataDirectory: dir)
        for (customer, key) in [(anna, annaKey), (bert, bertKey)] {
            try registry.enroll(Enrolment(customer: customer, scopes: [.greeting, .name], name: "Name of \(customer)", beaconKey: key))
            try ledger.append(LedgerDraft(time: t0, kind: .consentGiven, customer: customer, detail: "scopes=greeting,name"),
                              receipt: ConsentReceipt(event: .given, time: t0, collectionMethod: "cli", scopes: [.greeting, .name],
                                                      identifierKinds: ["wlk1"]))
        }
        for day in 0..<3 {
            for i in 0..<4 {
                let customer = i % 2 == 0 ? anna : bert
                try ledger.append(LedgerDraft(time: t0.addingTimeInterval(Double(day * 86_400 + i * 60)), kind: .recognition,
                                              customer: customer, scheme: i == 3 ? .card : .wlk1, till: "\(1 + i % 2)",
                                              prompt: "prompt-\(customer)-\(day)-\(i)", detail: "prompt=greeting"))
            }
        }
        try ledger.writeCheckpoint(at: t0.addingTimeInterval(3 * 86_400))
        return (dir, registry, ledger)
    }

    /// After `audit erase`, the customer's ID, beacon key and record bodies are in no file of the
    /// data directory (WAL and shared-memory files included); the tree verifies and every other
    /// entry's proof still verifies.
    func testEraseLeavesNoTraceOfTheCustomerAnywhereInTheDataDirectory() throws {
        let (dir, registry, ledger) = try makeStore()
        let needles: [(String, [UInt8])] = [("ID", Array(anna.utf8)), ("beacon key", annaKey.bytes),
                                            ("record body", Array("prompt-\(anna)-1-0".utf8))]
        XCTAssertTrue(needles.allSatisfy { n in filesIn(dir).contains { contains($0.1, n.1) } }, "everything is there before")

        // The one erasure, WelkomConsent's (what `audit erase` runs); no agent on this directory.
        let outcome = try erase(anna, ConsentService(registry: registry, ledger: ledger, agent: NoAgent(),
                                                     clock: FixedClock(date: t0.addingTimeInterval(4 * 86_400))))
        XCTAssertTrue(outcome.consentDeleted)
        XCTAssertEqual(outcome.bodiesErased, 7)  // the consent record and six recognitions
        XCTAssertNotNil(outcome.checkpoint)

        for (path, data) in filesIn(dir) {
            for (what, bytes) in needles {
                XCTAssertFalse(contains(data, bytes), "\(anna)'s \(what) is still in \(path)")
            }
        }
        XCTAssertTrue(filesIn(dir).contains { contains($0.1, Array(bert.utf8)) }, "the other customer stays")
        XCTAssertEqual(try registry.consents().map(\.customer), [bert])
        guard case .intact(15, _, 2) = try ledger.verify() else { return XCTFail("\(try ledger.verify())") }
        let checkpoint = try XCTUnwrap(try ledger.latestCheckpoint())
        for s in try ledger.stored(LedgerQuery()) {
            let proof = try ledger.inclusionProof(seq: s.entry.seq, treeSize: checkpoint.treeSize)
            XCTAssertTrue(MerkleTree.verifyInclusion(index: UInt64(s.entry.seq - 1), size: checkpoint.treeSize, leafHash: s.leafHash,
                                                     proof: proof, root: checkpoint.root))
        }
        // Again: nothing left.
        let again = try erase(anna, ConsentService(registry: registry, ledger: ledger, agent: NoAgent()))
        XCTAssertFalse(again.consentDeleted)
        XCTAssertEqual(again.bodiesErased, 0)
        XCTAssertNil(again.erasureEntry)
        XCTAssertNil(again.checkpoint)
    }

    /// ConsentService.erase is async; the stores' blocking reads around it are not allowed in
    /// async code, so the test waits for it here.
    private func erase(_ customer: CustomerID, _ service: ConsentService) throws -> ConsentService.Erasure {
        final class Box: @unchecked Sendable { var result: Result<ConsentService.Erasure, any Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await service.erase(customer)) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try XCTUnwrap(box.result).get()
    }

    func testAccessRequestPackageHoldsConsentEntriesProofsAndExplanations() throws {
        let (dir, registry, ledger) = try makeStore()
        let package = try AccessRequest.gather(customer: anna, registry: registry, ledger: ledger, retentionDays: 30,
                                               now: t0.addingTimeInterval(5 * 86_400), signCheckpoint: true)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(package.json.utf8)) as? [String: Any])
        XCTAssertEqual(json["customer"] as? String, anna)
        let explanation = try XCTUnwrap(json["explanation"] as? [String: String])
        XCTAssertTrue(explanation["nl"]?.contains("6 keer herkend") ?? false, explanation["nl"] ?? "")
        XCTAssertTrue(explanation["nl"]?.contains("toestemming gegeven voor: greeting, name") ?? false)
        XCTAssertTrue(explanation["en"]?.contains("recognised you 6 time(s)") ?? false, explanation["en"] ?? "")
        XCTAssertTrue(explanation["en"]?.contains("30 days") ?? false)
        XCTAssertEqual((json["consent"] as? [String: Any])?["beacon_key"] as? Bool, true)
        XCTAssertEqual((json["consent_records"] as? [[String: Any]])?.count, 1)
        let entries = try XCTUnwrap(json["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 7)
        XCTAssertFalse(package.json.contains(bert), "nothing about anyone else")
        // Every entry's proof verifies against the package's signed checkpoint.
        let checkpoint = try XCTUnwrap(json["checkpoint"] as? [String: Any])
        let root = try XCTUnwrap(Hex.decode(checkpoint["root"] as? String ?? ""))
        let size = UInt64(checkpoint["tree_size"] as? Int ?? 0)
        let publicKey = try XCTUnwrap(Hex.decode(checkpoint["public_key"] as? String ?? ""))
        let stored = try XCTUnwrap(try ledger.latestCheckpoint())
        XCTAssertTrue(stored.isValidlySigned(by: publicKey))
        for e in entries {
            let inclusion = try XCTUnwrap(e["inclusion"] as? [String: Any])
            let path = (inclusion["path"] as? [String] ?? []).compactMap(Hex.decode)
            let leaf = try XCTUnwrap(Hex.decode(e["hash"] as? String ?? ""))
            XCTAssertTrue(MerkleTree.verifyInclusion(index: UInt64((e["seq"] as? Int ?? 0) - 1), size: size, leafHash: leaf, proof: path, root: root))
        }
        _ = dir
    }

    func testReportHasItsChartsAndTheProcessingRecordAndNamesNobody() throws {
        let (_, _, ledger) = try makeStore()
        _ = try ledger.purge(before: t0.addingTimeInterval(86_400), at: t0.addingTimeInterval(31 * 86_400))
        var config = WelkomConfig.defaults
        config.recognition.enabled = true
        config.recognition.dpiaReference = "DPIA-2026-07"
        config.ledger.controller = "Winkel B.V., Markt 1, Utrecht"
        let report = AuditReport(stats: try AuditStats.compute(ledger: ledger), verification: try ledger.verify(),
                                 config: config, generated: t0.addingTimeInterval(31 * 86_400), activeConsents: 2)
        let html = report.html
        for id in ["chart-recognitions-by-scheme", "chart-recognitions-by-till", "chart-consents", "chart-retention", "processing-record"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), id)
        }
        XCTAssertTrue(html.contains("data-series=\"wlk1\""))
        XCTAssertTrue(html.contains("data-series=\"card\""))
        XCTAssertTrue(html.contains("data-series=\"purged\""), "purged days show as purged")
        XCTAssertTrue(html.contains("Intact: 15 entries"))
        XCTAssertTrue(html.contains("Winkel B.V., Markt 1, Utrecht"))
        XCTAssertTrue(html.contains("DPIA-2026-07"))
        XCTAssertTrue(html.contains("30 days (ledger.retention_days)"))
        XCTAssertFalse(html.contains(anna) || html.contains(bert) || html.contains("prompt-"), "the report names nobody")
        XCTAssertFalse(html.contains("<script"), "self-contained, no script")
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"))
    }

    func testProcessingRecordFollowsTheConfig() {
        let off = ProcessingRecord(config: .defaults)
        XCTAssertTrue(off.items.flatMap(\.lines).contains { $0.contains("Recognition is OFF") })
        var config = WelkomConfig.defaults
        config.recognition.enabled = true
        config.recognition.dpiaReference = "D-1"
        config.readers = [ReaderSettings(kind: .serial, till: "1", path: "/dev/ttyACM0")]
        let on = ProcessingRecord(config: config).items.flatMap(\.lines)
        XCTAssertTrue(on.contains { $0.contains("loyalty-card numbers") && $0.contains("1 reader(s)") })
        XCTAssertFalse(on.contains { $0.contains("static Bluetooth identifiers") })
        config.recognition.allowStaticIdentifiers = true
        XCTAssertTrue(ProcessingRecord(config: config).items.flatMap(\.lines).contains { $0.contains("static Bluetooth identifiers") })
    }

    func testStatsCountByDaySchemeTillAndRecord() throws {
        let (_, _, ledger) = try makeStore()
        _ = try ledger.purge(before: t0.addingTimeInterval(86_400), at: t0.addingTimeInterval(31 * 86_400))
        let stats = try AuditStats.compute(ledger: ledger)
        XCTAssertEqual(stats.entries, 15)
        XCTAssertEqual(stats.byKind["recognition"], 12)
        XCTAssertEqual(stats.records, ["kept": 11, "purged": 4, "erased": 0])
        XCTAssertEqual(stats.days.map(\.date), ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-30"])
        XCTAssertEqual(stats.days[0].recognitionsByScheme, ["purged": 4])
        XCTAssertEqual(stats.days[1].recognitionsByScheme, ["wlk1": 3, "card": 1])
        XCTAssertEqual(stats.days[1].recognitionsByTill, ["1": 2, "2": 2])
        XCTAssertEqual(stats.days[0].consentsGiven, 2)
        XCTAssertTrue(stats.retentionKept(days: 30, now: t0.addingTimeInterval(31 * 86_400)))
        XCTAssertFalse(stats.retentionKept(days: 1, now: t0.addingTimeInterval(31 * 86_400)))
        let json = try JSONSerialization.jsonObject(with: Data(stats.json(retentionDays: 30, now: t0).utf8)) as? [String: Any]
        XCTAssertEqual(json?["entries"] as? Int, 15)
    }

    // MARK: - Helpers

    /// Every regular file in the directory, with its bytes.
    func filesIn(_ dir: URL) -> [(String, Data)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name in
            let path = dir.appendingPathComponent(name).path
            return FileManager.default.contents(atPath: path).map { (path, $0) }
        }
    }

    func contains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
        haystack.range(of: Data(needle)) != nil
    }
}

/// The registry opened read-only, as the audit commands open it: it reads the consents, refuses
/// changes, and creates or touches no file (no pepper, no -wal or -shm).
final class ReadOnlyRegistryTests: XCTestCase {
    func testReadsConsentsRefusesChangesAndTouchesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-audit-ro-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        do {
            let registry = try ConsentRegistry(dataDirectory: dir)
            try registry.enroll(Enrolment(customer: "anna", scopes: [.greeting], beaconKey: Block128(hex: "00112233445566778899aabbccddeeff")!))
        }
        let fm = FileManager.default
        func state() throws -> [String: String] {
            var result = ["." : "\(try fm.attributesOfItem(atPath: dir.path)[.modificationDate] ?? "")"]
            for name in try fm.contentsOfDirectory(atPath: dir.path) {
                let url = dir.appendingPathComponent(name)
                let info = try fm.attributesOfItem(atPath: url.path)
                result[name] = "\(info[.modificationDate] ?? "") \(try Data(contentsOf: url).hashValue)"
            }
            return result
        }
        let before = try state()
        XCTAssertFalse(before.keys.contains("registry.sqlite-wal"))
        do {
            let registry = try ConsentRegistry(dataDirectory: dir, readOnly: true)
            XCTAssertEqual(try registry.consents().map(\.customer), ["anna"])
            XCTAssertThrowsError(try registry.withdraw(customer: "anna"))
            XCTAssertEqual(try registry.consents().map(\.customer), ["anna"])
        }
        XCTAssertEqual(try state(), before)
    }
}

/// The access request's explanation word for word, in both languages: its texts live in one table
/// per language, and moving them there must not change a byte of what a customer receives.
extension AuditTests {
    func testAccessRequestExplanationsWordForWord() throws {
        let (_, registry, ledger) = try makeStore()
        let now = t0.addingTimeInterval(5 * 86_400)
        let bert = try AccessRequest.gather(customer: self.bert, registry: registry, ledger: ledger, retentionDays: 30, now: now)
        XCTAssertEqual(bert.explanation(Language.nl), """
            Dit overzicht laat zien wat Welkom in deze winkel over u (klantnummer bert-99d0f6aa-keep-me) bewaart. \
            U hebt op 2026-11-29 toestemming gegeven voor: greeting, name. Die toestemming geldt tot u haar intrekt. \
            Om u te herkennen bewaren we (alleen als sleutel of versleutelde code, hier niet getoond): een sleutel van uw app of sleutelhanger (WLK1). \
            Er staat geen notitie van het personeel over u. \
            Welkom heeft u 6 keer herkend via uw klantenkaart en uw app of sleutelhanger (Bluetooth), tussen 2026-11-29 en 2026-12-01, \
            bij kassa 2. Elke herkenning gaf het personeel een melding op het kassascherm. \
            Details van herkenningen bewaren we 30 dagen; daarna verwijderen we ze. \
            Elke regel hieronder staat in een doorzichtig logboek (een Merkle-boom): het bewijs ("inclusion") laat zien dat de regel \
            in het ondertekende logboek staat en achteraf niet is veranderd. \
            U kunt uw toestemming altijd intrekken of vragen alles te wissen; dan verwijderen we uw sleutels en de details van deze regels.
            """)
        XCTAssertEqual(bert.explanation(Language.en), """
            This package shows what Welkom keeps about you (customer ID bert-99d0f6aa-keep-me) in this shop. \
            You consented on 2026-11-29 to: greeting, name. That consent holds until you withdraw it. \
            To recognise you we keep (only as a key or keyed code, not shown here): a key of your app or key fob (WLK1 beacon key). \
            Staff have no note about you. \
            Welkom recognised you 6 time(s) by your loyalty card and your app or key fob (Bluetooth), between 2026-11-29 and 2026-12-01, \
            at till 2. Each recognition showed staff a prompt on the till display. \
            Details of recognitions are kept for 30 days and then deleted. \
            Every line below is in a tamper-evident log (a Merkle tree): its proof ("inclusion") shows the line is in the signed log \
            and was not changed afterwards. \
            You can withdraw your consent or ask for erasure at any time; we then delete your keys and the details of these lines.
            """)
        let nobody = try AccessRequest.gather(customer: "nobody", registry: registry, ledger: ledger, retentionDays: 30, now: now)
        XCTAssertEqual(nobody.explanation(.nl), """
            Dit overzicht laat zien wat Welkom in deze winkel over u (klantnummer nobody) bewaart. \
            Er staat op dit moment geen toestemming van u geregistreerd; Welkom herkent u dus niet. \
            Er staan geen herkenningen van u in het logboek. \
            Details van herkenningen bewaren we 30 dagen; daarna verwijderen we ze. \
            Elke regel hieronder staat in een doorzichtig logboek (een Merkle-boom): het bewijs ("inclusion") laat zien dat de regel \
            in het ondertekende logboek staat en achteraf niet is veranderd. \
            U kunt uw toestemming altijd intrekken of vragen alles te wissen; dan verwijderen we uw sleutels en de details van deze regels.
            """)
        XCTAssertEqual(nobody.explanation(.en), """
            This package shows what Welkom keeps about you (customer ID nobody) in this shop. \
            No consent of yours is registered at the moment, so Welkom does not recognise you. \
            The log holds no recognitions of you. \
            Details of recognitions are kept for 30 days and then deleted. \
            Every line below is in a tamper-evident log (a Merkle tree): its proof ("inclusion") shows the line is in the signed log \
            and was not changed afterwards. \
            You can withdraw your consent or ask for erasure at any time; we then delete your keys and the details of these lines.
            """)
    }
}

/// Issue 12, finding 5: the package holds every field held about the customer — the staff note,
/// the tags, scopes, name, locale, dates — and per kind of identifier the fact that it is held,
/// never a key; the art. 30 record names the note as possible special-category data.
extension AuditTests {
    func testAccessRequestHoldsTheNoteTheTagsAndEveryIdentifierKindButNoKey() throws {
        let (_, registry, ledger) = try makeStore()
        let irk = Block128(hex: "0f1e2d3c4b5a69788796a5b4c3d2e1f0")!
        let eidKey = Block128(hex: "11223344556677889900aabbccddeeff")!
        let beacon = try XCTUnwrap(StaticIdentifier(canonical: "address:C0FFEE001122"))
        try registry.enroll(Enrolment(customer: "dora", scopes: [.greeting, .notes], name: "Dora", language: .en, beaconKey: annaKey.flipped,
                                      cards: [], note: "allergic to nuts", eid: EIDRegistration(identityKey: eidKey, exponent: 4, epoch: 1_700_000_000),
                                      irk: irk, staticIdentifiers: [beacon], tags: ["vip", "bakery"]))
        let package = try AccessRequest.gather(customer: "dora", registry: registry, ledger: ledger, retentionDays: 30, now: t0)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(package.json.utf8)) as? [String: Any])
        let consent = try XCTUnwrap(json["consent"] as? [String: Any])
        XCTAssertEqual(consent["note"] as? String, "allergic to nuts")
        XCTAssertEqual(consent["tags"] as? [String], ["bakery", "vip"])
        XCTAssertEqual(consent["name"] as? String, "Dora")
        XCTAssertEqual(consent["locale"] as? String, "en")
        XCTAssertEqual(consent["scopes"] as? [String], ["greeting", "notes"])
        XCTAssertEqual(consent["beacon_key"] as? Bool, true)
        XCTAssertEqual(consent["eid_key"] as? Bool, true)
        XCTAssertEqual(consent["irk"] as? Bool, true)
        XCTAssertEqual(consent["static"] as? [String], ["address"])
        let held = try XCTUnwrap(consent["identifiers_held"] as? [String])
        XCTAssertEqual(held.count, 4, "\(held)")
        let explanation = try XCTUnwrap(json["explanation"] as? [String: String])
        XCTAssertTrue(explanation["en"]!.contains("\"allergic to nuts\"") && explanation["en"]!.contains("bakery, vip"))
        XCTAssertTrue(explanation["nl"]!.contains("\"allergic to nuts\"") && explanation["nl"]!.contains("IRK"))
        for secret in [irk, eidKey, annaKey.flipped] {
            XCTAssertFalse(package.json.lowercased().contains(Hex.encode(secret.bytes).lowercased()), "a key is in the package")
        }
        XCTAssertFalse(package.json.uppercased().contains("C0FFEE001122"), "a static identifier's value is in the package")
    }

    func testTheProcessingRecordNamesTheNoteAsPossibleSpecialCategoryDataUnlessNotesAreOff() {
        let on = ProcessingRecord(config: .defaults).items.flatMap(\.lines).joined(separator: "\n")
        XCTAssertFalse(on.contains("No special categories"), on)
        XCTAssertTrue(on.contains("staff note is free text and may hold them"), on)
        XCTAssertTrue(on.contains("allergic to nuts"), on)
        var config = WelkomConfig.defaults
        config.policy.notes = false
        let off = ProcessingRecord(config: config).items.flatMap(\.lines).joined(separator: "\n")
        XCTAssertTrue(off.contains("Staff notes are switched off (policy.notes = false)"), off)
        XCTAssertFalse(off.contains("may hold them"), off)
    }
}

private extension Block128 {
    /// Another key, derived so the test needs no second literal.
    var flipped: Block128 { Block128(bytes: bytes.map { ~$0 })! }
}
