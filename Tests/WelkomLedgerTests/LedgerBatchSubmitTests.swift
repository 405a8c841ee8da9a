import Foundation
import WelkomCore
import WelkomLedger
import XCTest

/// `submit(contentsOf:)` (a consent import's records): every entry recorded, in the order given,
/// through a few group commits rather than one each, and the ledger verifies; a ledger that
/// cannot be written records none and says so.
final class LedgerBatchSubmitTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_795_975_200.123)

    func testManyRecordsAreWrittenInOrderAndVerify() async throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let count = 20_000  // more than one group-commit transaction
        let records = (0..<count).map { i -> (draft: LedgerDraft, receipt: ConsentReceipt?) in
            let draft = LedgerDraft(time: t0, kind: .consentGiven, customer: "c\(i)", detail: "scopes=greeting")
            let receipt = i % 2 == 0 ? ConsentReceipt(event: .given, time: t0, collectionMethod: "import", scopes: [.greeting]) : nil
            return (draft, receipt)
        }
        let entries = try await ledger.submit(contentsOf: records)
        XCTAssertEqual(entries.map(\.customer), (0..<count).map { "c\($0)" })
        XCTAssertEqual(entries.map(\.seq), Array(1...Int64(count)))
        XCTAssertEqual(try ledger.entries().map(\.customer), entries.map(\.customer))
        guard case .intact(let n, _, _) = try ledger.verify() else { return XCTFail("the ledger does not verify") }
        XCTAssertEqual(Int(n), count)
        let none = try await ledger.submit(contentsOf: [])
        XCTAssertEqual(none, [])
    }

    /// A prompt's entry submitted while a large import is being written is committed after the
    /// import's current slice, not behind the whole import (the till would wait seconds).
    func testALiveEntryIsNotQueuedBehindAWholeImport() async throws {
        let dir = try makeTemporaryDirectory(self)
        let ledger = try Ledger(dataDirectory: dir)
        let count = 4 * 8192 + 1  // four full group-commit transactions and a bit
        let records = (0..<count).map { i -> (draft: LedgerDraft, receipt: ConsentReceipt?) in
            (LedgerDraft(time: t0, kind: .consentGiven, customer: "c\(i)", detail: "scopes=greeting"), nil)
        }
        let importing = Task { try await ledger.submit(contentsOf: records) }
        // Wait until the import has begun writing: the live entry then arrives mid-import.
        while try await ledger.count() == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let live = try await ledger.submit(LedgerDraft(time: t0, kind: .acknowledgement, till: "1", prompt: "p1"))
        let imported = try await importing.value
        XCTAssertEqual(imported.count, count)
        XCTAssertLessThan(live.seq, imported.last!.seq,
                          "the live entry (#\(live.seq)) waited for the whole import of \(count)")
        XCTAssertEqual(imported.map(\.customer), (0..<count).map { "c\($0)" }, "the import kept its order")
        guard case .intact(let n, _, _) = try ledger.verify() else { return XCTFail("the ledger does not verify") }
        XCTAssertEqual(Int(n), count + 1)
    }

    func testAReadOnlyLedgerRecordsNone() async throws {
        let dir = try makeTemporaryDirectory(self)
        _ = try Ledger(dataDirectory: dir)
        let readOnly = try Ledger(dataDirectory: dir, readOnly: true)
        do {
            _ = try await readOnly.submit(contentsOf: [(LedgerDraft(time: t0, kind: .consentGiven, customer: "c1"), nil)])
            XCTFail("a read-only ledger took a record")
        } catch {
            XCTAssertTrue("\(error)".contains("read-only"), "\(error)")
        }
        XCTAssertEqual(try Ledger(dataDirectory: dir).entries(), [])
    }
}
