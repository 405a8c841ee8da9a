import Foundation
import WelkomCore
import WelkomTesting
import XCTest
@testable import WelkomTillHub

/// The board keeps prompts by ID with an expiry heap (so a till with hundreds of prompts up costs
/// a lookup per change). Here it is driven by random shows, replacements, acknowledgements,
/// sweeps and withdrawals, and after every step compared with the plainest model of the same
/// rules: one list per till in show order, scanned in full.
final class PromptBoardModelTests: XCTestCase {
    struct Model {
        var lists: [TillID: [Prompt]] = [:]

        mutating func show(_ p: Prompt, now: Date) -> Bool {
            guard p.expires > now else { return false }
            if let i = lists[p.till, default: []].firstIndex(where: { $0.id == p.id }) {
                lists[p.till]![i] = p
            } else {
                lists[p.till, default: []].append(p)
            }
            return true
        }

        mutating func remove(_ id: String, till: TillID) -> Bool {
            guard let i = lists[till]?.firstIndex(where: { $0.id == id }) else { return false }
            lists[till]!.remove(at: i)
            if lists[till]!.isEmpty { lists[till] = nil }
            return true
        }

        /// The IDs swept, as a set per till (the board sweeps earliest first; the model in any order).
        mutating func removeExpired(now: Date) -> Set<String> {
            var gone: Set<String> = []
            for (till, list) in lists {
                for p in list where p.expires <= now {
                    _ = remove(p.id, till: till)
                    gone.insert(till + "/" + p.id)
                }
            }
            return gone
        }

        var nextExpiry: Date? { lists.values.flatMap { $0 }.map(\.expires).min() }
    }

    func testTheBoardAgreesWithAListModel() {
        var rng = TestSeed.generator(for: self)
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var now = t0
        var board = PromptBoard(start: 0, replayCapacity: 16)
        var model = Model()
        let tills: [TillID] = ["1", "2", "3"]
        let customers = ["anna", "ben", "cas"]
        for step in 0..<20_000 {
            let till = tills.randomElement(using: &rng)!
            let id = "p\(Int.random(in: 0..<60, using: &rng))"
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<45:
                // Lifetimes from already over to long; replacements happen when the ID is up.
                let lifetime = TimeInterval(Int.random(in: -5...120, using: &rng))
                let prompt = Fixture.prompt(id, till: till, text: "t\(step)", customer: customers.randomElement(using: &rng)!,
                                            now: now, lifetime: lifetime)
                let shown = board.show(prompt, now: now) != nil
                XCTAssertEqual(shown, model.show(prompt, now: now), "step \(step): show \(till)/\(id)")
            case 45..<75:
                let removed = board.remove(promptID: id, till: till, reason: .acknowledged) != nil
                XCTAssertEqual(removed, model.remove(id, till: till), "step \(step): remove \(till)/\(id)")
            case 75..<95:
                now += TimeInterval(Int.random(in: 0...15, using: &rng))
                let swept = board.removeExpired(now: now)
                let sweptIDs = Set(swept.compactMap { e -> String? in
                    if case .remove(let pid, .expired) = e.body { return e.till + "/" + pid }
                    return nil
                })
                XCTAssertEqual(swept.count, sweptIDs.count, "step \(step): a prompt swept twice")
                XCTAssertEqual(sweptIDs, model.removeExpired(now: now), "step \(step): sweep")
            default:
                let customer = customers.randomElement(using: &rng)!
                let removed = Set(board.removeAll(customer: customer).compactMap { e -> String? in
                    if case .remove(let pid, .withdrawn) = e.body { return e.till + "/" + pid }
                    return nil
                })
                var expected: Set<String> = []
                for (t, list) in model.lists {
                    for p in list where p.customer == customer {
                        _ = model.remove(p.id, till: t)
                        expected.insert(t + "/" + p.id)
                    }
                }
                XCTAssertEqual(removed, expected, "step \(step): withdrawal of \(customer)")
            }
            for t in tills {
                XCTAssertEqual(board.activePrompts(till: t), model.lists[t] ?? [], "step \(step): till \(t)'s prompts")
            }
            XCTAssertEqual(board.nextExpiry, model.nextExpiry, "step \(step): next expiry")
            if testRun?.failureCount ?? 0 > 0 { return }
        }
    }
}
