import Foundation
import Logging
import XCTest
@testable import WelkomChain
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// A store's sync keeps the chain's "do not ask" markers as its own, under its own pepper: loaded
/// at first, marked as a desk records one, removed (records unlinked) when taken back or when the
/// card is enrolled, erased (records' bodies deleted) on a central erasure.
extension ChainSyncTests {
    func testTheSyncKeepsTheChainsDoNotAskMarkersUnderItsOwnPepper() async throws {
        let central = ChainRegistry(db: admin, key: key)
        let deskURL = try await ChainStores.add(admin, store: "den-haag")
        let desk = ChainDesk(url: deskURL, key: key)
        let storeURL = try await ChainStores.add(admin, store: "delft")
        let store = try await connect(storeURL)
        let dataDir = work.appendingPathComponent("data")
        let registry = try ConsentRegistry(dataDirectory: dataDir)
        let ledger = try Ledger(dataDirectory: dataDir)
        let sync = ChainSync(url: storeURL, key: key, store: "delft", registry: registry, ledger: ledger, agent: RecordingAgent(),
                             dataDirectory: dataDir, logger: Logger(label: "test"))
        let expires = Date().addingTimeInterval(86_400)
        func receipt() -> ConsentReceipt {
            ConsentReceipt(event: .doNotAsk, time: Date(), collectionMethod: "till", collectedBy: "pairing-1")
        }

        // Recorded before the store first loads: it arrives with the initial load.
        try await desk.doNotAsk(card: "11110000", expires: expires, receipt: receipt())
        var cursor = try await sync.initialLoad(store)
        let loaded = try await registry.doNotAsk(card: "11110000", at: Date())
        XCTAssertEqual(loaded.map { LedgerTime.milliseconds($0.expires) }, LedgerTime.milliseconds(expires))

        // Recorded later: the change brings it; a till note at this store names the marker.
        try await desk.doNotAsk(card: "22220000", expires: expires, receipt: receipt())
        cursor = try await sync.catchUp(store, from: cursor)
        let marker = try await registry.doNotAsk(card: "22220000", at: Date())
        XCTAssertNotNil(marker)
        _ = try await ledger.submit(LedgerDraft(time: Date(), kind: .recognition, customer: marker!.marker, till: "1",
                                                detail: "prompt=do-not-ask"))
        let pseudonym = registry.pseudonym(forCard: "22220000")
        let fingerprint = try await admin.query("SELECT fingerprint FROM welkom.do_not_ask WHERE store = 'den-haag' ORDER BY created_ms DESC LIMIT 1", "t")
            .first!.decode(Data.self)
        XCTAssertNotEqual(Array(fingerprint), pseudonym, "the store's marker is keyed like the chain's")

        // Erased centrally: gone here with its records' bodies.
        let erased = try await central.eraseDoNotAsk(card: "22220000")
        XCTAssertTrue(erased)
        cursor = try await sync.catchUp(store, from: cursor)
        let afterErase = try await registry.doNotAsk(pseudonym: pseudonym)
        XCTAssertNil(afterErase)
        let named = try await ledger.stored(LedgerQuery(after: 0, limit: 100)).filter { $0.entry.customer == marker!.marker }
        XCTAssertEqual(named.count, 0, "a record still names the erased marker")

        // Enrolled after all (centrally): the first card's marker goes here too.
        try await central.enroll(Enrolment(customer: "c-1", scopes: [.greeting], cards: ["11110000"]))
        cursor = try await sync.catchUp(store, from: cursor)
        let afterEnrol = try await registry.doNotAsk(card: "11110000", at: Date())
        XCTAssertNil(afterEnrol)

        // Set, taken back at a desk and set again in one batch: it ends set.
        try await desk.doNotAsk(card: "33330000", expires: expires, receipt: receipt())
        _ = try await desk.removeDoNotAsk(card: "33330000")
        try await desk.doNotAsk(card: "33330000", expires: expires, receipt: receipt())
        cursor = try await sync.catchUp(store, from: cursor)
        let again = try await registry.doNotAsk(card: "33330000", at: Date())
        XCTAssertNotNil(again)
        _ = try await desk.removeDoNotAsk(card: "33330000")
        _ = try await sync.catchUp(store, from: cursor)
        let takenBack = try await registry.doNotAsk(card: "33330000", at: Date())
        XCTAssertNil(takenBack)
    }
}
