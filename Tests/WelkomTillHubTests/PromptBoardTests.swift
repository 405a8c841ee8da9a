import Foundation
import WelkomCore
import XCTest
@testable import WelkomTillHub

final class PromptBoardTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func testShowRecordsOneEventPerChangeWithIncreasingIDs() throws {
        var board = PromptBoard(start: 1000)
        let first = try XCTUnwrap(board.show(Fixture.prompt("p1", now: now), now: now))
        let second = try XCTUnwrap(board.show(Fixture.prompt("p2", till: "2", now: now), now: now))
        let removal = try XCTUnwrap(board.remove(promptID: "p1", till: "1", reason: .acknowledged))
        XCTAssertEqual([first.id, second.id, removal.id], [1001, 1002, 1003])
        XCTAssertEqual(board.cursor, 1003)
        XCTAssertEqual(board.activePrompts(till: "1"), [])
        XCTAssertEqual(board.activePrompts(till: "2").map(\.id), ["p2"])
        XCTAssertEqual(removal.body, .remove(promptID: "p1", reason: .acknowledged))
        XCTAssertNil(board.remove(promptID: "p1", till: "1", reason: .dismissed), "a second removal changes nothing")
    }

    func testSameIDOnSameTillReplacesThePrompt() throws {
        var board = PromptBoard(start: 0)
        _ = board.show(Fixture.prompt("p1", text: "old", now: now), now: now)
        _ = board.show(Fixture.prompt("p1", text: "new", now: now), now: now)
        XCTAssertEqual(board.activePrompts(till: "1").map(\.text), ["new"])
    }

    func testExpiredPromptIsNotShownAndDuePromptsAreSwept() {
        var board = PromptBoard(start: 0)
        XCTAssertNil(board.show(Fixture.prompt("late", now: now - 300, lifetime: 60), now: now))
        XCTAssertEqual(board.cursor, 0, "nothing recorded for a prompt that was already over")

        _ = board.show(Fixture.prompt("short", now: now, lifetime: 10), now: now)
        _ = board.show(Fixture.prompt("long", now: now, lifetime: 100), now: now)
        XCTAssertEqual(board.nextExpiry, now + 10)
        XCTAssertEqual(board.removeExpired(now: now + 9), [])
        let swept = board.removeExpired(now: now + 10)
        XCTAssertEqual(swept.map(\.body), [.remove(promptID: "short", reason: .expired)])
        XCTAssertEqual(board.activePrompts(till: "1").map(\.id), ["long"])
        XCTAssertEqual(board.nextExpiry, now + 100)
    }

    func testFirstConnectionGetsResetThenTheTillsActivePrompts() {
        var board = PromptBoard(start: 50)
        _ = board.show(Fixture.prompt("a", now: now), now: now)
        _ = board.show(Fixture.prompt("b", till: "2", now: now), now: now)
        _ = board.show(Fixture.prompt("c", now: now), now: now)
        guard case .snapshot(let events) = board.catchUp(till: "1", after: nil, now: now) else {
            return XCTFail("expected a snapshot")
        }
        XCTAssertEqual(events.map(\.name), ["reset", "prompt", "prompt"])
        XCTAssertEqual(events.first?.body, .reset(serverTime: now))
        XCTAssertEqual(events.compactMap(\.promptID), ["a", "c"])
        XCTAssertTrue(events.allSatisfy { $0.id == board.cursor }, "snapshot events carry the current cursor")
    }

    func testReplayGivesOnlyTheEventsMissedOnThatTill() {
        var board = PromptBoard(start: 0)
        _ = board.show(Fixture.prompt("a", now: now), now: now)            // 1
        let seen = board.cursor
        _ = board.show(Fixture.prompt("b", now: now), now: now)            // 2
        _ = board.show(Fixture.prompt("x", till: "2", now: now), now: now) // 3, other till
        _ = board.remove(promptID: "a", till: "1", reason: .dismissed)     // 4
        guard case .replay(let events) = board.catchUp(till: "1", after: seen, now: now) else {
            return XCTFail("expected a replay")
        }
        XCTAssertEqual(events.map(\.id), [2, 4])
        XCTAssertEqual(events.map(\.body), [.prompt(PromptPayload(Fixture.prompt("b", now: now))),
                                            .remove(promptID: "a", reason: .dismissed)])
        XCTAssertEqual(board.catchUp(till: "1", after: board.cursor, now: now), .replay([]), "up to date: nothing")
    }

    func testCursorTheBufferNoLongerCoversGetsASnapshot() {
        var board = PromptBoard(start: 0, replayCapacity: 3)
        for index in 1...5 {
            _ = board.show(Fixture.prompt("p\(index)", now: now), now: now)
        }
        // Events 1 and 2 were evicted: a page that saw only event 1 missed event 2.
        XCTAssertEqual(board.catchUp(till: "1", after: 1, now: now).events.first?.name, "reset")
        // A page that saw event 2 missed only 3...5, all still buffered.
        guard case .replay(let missed) = board.catchUp(till: "1", after: 2, now: now) else {
            return XCTFail("expected a replay from a cursor still in the buffer")
        }
        XCTAssertEqual(missed.map(\.id), [3, 4, 5])
        // A cursor from the future (an earlier run with a later clock, or garbage) also gets a snapshot.
        XCTAssertEqual(board.catchUp(till: "1", after: 999, now: now).events.first?.name, "reset")
    }

    func testRemovingACustomersPromptsScrubsThemFromTheReplayBuffer() {
        var board = PromptBoard(start: 0)
        _ = board.show(Fixture.prompt("theirs", text: "Welkom terug, Anna", now: now), now: now)
        _ = board.show(Fixture.prompt("other", text: "Hallo Bob", customer: "someone-else", now: now), now: now)
        let removed = board.removeAll(customer: Fixture.customer)
        XCTAssertEqual(removed.map(\.body), [.remove(promptID: "theirs", reason: .withdrawn)])
        XCTAssertEqual(board.activePrompts(till: "1").map(\.id), ["other"])
        let replay = board.catchUp(till: "1", after: 0, now: now).events
        XCTAssertFalse(replay.contains { $0.encoded().contains("Anna") }, "the withdrawn customer's text is gone")
        XCTAssertEqual(replay.map(\.name), ["prompt", "remove"])
    }

    func testEventWireFormatHasOnlyThePageFieldsAndNoCustomer() throws {
        let prompt = Fixture.prompt("p1", text: "Line one\nline two \"quoted\"", now: now)
        let event = TillEvent(id: 7, till: "1", body: .prompt(PromptPayload(prompt)))
        let wire = event.encoded()
        XCTAssertTrue(wire.hasPrefix("id: 7\nevent: prompt\ndata: {"))
        XCTAssertTrue(wire.hasSuffix("}\n\n"))
        XCTAssertEqual(wire.split(separator: "\n", omittingEmptySubsequences: false).count, 5,
                       "three fields, then the blank line: the text's line break is escaped inside the JSON")
        XCTAssertFalse(wire.contains(Fixture.customer))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(event.dataJSON().utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["id", "kind", "text", "created", "expires"])
        XCTAssertEqual(object["text"] as? String, prompt.text)
        XCTAssertEqual(object["kind"] as? String, "greeting")
        XCTAssertEqual(object["expires"] as? String, "2023-11-14T22:15:20Z")
    }
}

extension TillEvent {
    var promptID: String? {
        if case .prompt(let payload) = body { return payload.id }
        return nil
    }
}
