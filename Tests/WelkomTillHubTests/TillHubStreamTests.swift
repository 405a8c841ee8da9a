import Foundation
import Hummingbird
import HummingbirdTesting
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// The Server-Sent Events stream, over a live server and an independent HTTP client.
final class TillHubStreamTests: XCTestCase {
    func testStreamStartsWithTheTillsPromptsThenCarriesLiveEvents() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", text: "Welkom terug, Anna", now: Date()))
        await hub.show(Fixture.prompt("other-till", till: "2", now: Date()))
        try await Fixture.application(hub: hub).test(.live) { client in
            let connection = SSEConnection(url: try streamURL(client.port, "/till/1/events"))
            defer { connection.close() }
            var events = connection.events.makeAsyncIterator()

            guard case .opened(let status, let contentType) = await nextEvent(&events, of: connection) else {
                return XCTFail("no response head")
            }
            XCTAssertEqual(status, 200)
            XCTAssertEqual(contentType, "text/event-stream; charset=utf-8")

            let reset = try await requireMessage(&events, of: connection)
            XCTAssertEqual(reset.event, "reset")
            XCTAssertNotNil(reset.id.flatMap(UInt64.init), "every event carries a numeric cursor")
            let initial = try await requireMessage(&events, of: connection)
            XCTAssertEqual(initial.event, "prompt")
            XCTAssertEqual(initial.json?["id"] as? String, "p1")
            XCTAssertEqual(initial.json?["text"] as? String, "Welkom terug, Anna")
            XCTAssertEqual(initial.json?["kind"] as? String, "greeting")
            XCTAssertEqual(Set(initial.json?.keys.map { $0 } ?? []), ["id", "kind", "text", "created", "expires"])

            await hub.show(Fixture.prompt("p2", text: "2 offers / 2 aanbiedingen", kind: .offer, now: Date()))
            let live = try await requireMessage(&events, of: connection)
            XCTAssertEqual(live.event, "prompt")
            XCTAssertEqual(live.json?["id"] as? String, "p2")
            XCTAssertGreaterThan(try XCTUnwrap(live.id.flatMap(UInt64.init)), try XCTUnwrap(reset.id.flatMap(UInt64.init)))

            // Acknowledging over HTTP takes the card off every page of the till.
            let ack = try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post)
            XCTAssertEqual(ack.status, .noContent)
            let removal = try await requireMessage(&events, of: connection)
            XCTAssertEqual(removal.event, "remove")
            XCTAssertEqual(removal.json?["id"] as? String, "p1")
            XCTAssertEqual(removal.json?["reason"] as? String, "acknowledged")

            // Nothing of till 2 and no customer ID ever reached this page.
            XCTAssertFalse(connection.raw.contains("other-till"))
            XCTAssertFalse(connection.raw.contains(Fixture.customer))
            XCTAssertFalse(connection.raw.contains("customer"))
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [.acknowledge(promptID: "p1", till: "1")])
    }

    func testReconnectingWithLastEventIDGetsOnlyWhatItMissed() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder(), heartbeat: .milliseconds(100))
        await hub.show(Fixture.prompt("p1", now: Date()))
        try await Fixture.application(hub: hub).test(.live) { client in
            let eventsURL = try streamURL(client.port, "/till/1/events")
            let first = SSEConnection(url: eventsURL)
            var firstEvents = first.events.makeAsyncIterator()
            _ = try await requireMessage(&firstEvents, of: first)          // reset
            let seen = try await requireMessage(&firstEvents, of: first)   // p1
            XCTAssertEqual(seen.json?["id"] as? String, "p1")
            first.close()
            // The server notices the closed page on its next write, a heartbeat at the latest.
            try await waitUntil("the closed page to be dropped") { await hub.openPages(till: "1") == 0 }

            // While the page is away: a new prompt, the old one dismissed, and noise on till 2.
            await hub.show(Fixture.prompt("p2", now: Date()))
            await hub.show(Fixture.prompt("elsewhere", till: "2", now: Date()))
            let dismiss = try await client.execute(uri: "/till/1/prompts/p1/dismiss", method: .post)
            XCTAssertEqual(dismiss.status, .noContent)

            let again = SSEConnection(url: eventsURL, lastEventID: seen.id)
            defer { again.close() }
            var events = again.events.makeAsyncIterator()
            let missed1 = try await requireMessage(&events, of: again)
            let missed2 = try await requireMessage(&events, of: again)
            XCTAssertEqual(missed1.event, "prompt")
            XCTAssertEqual(missed1.json?["id"] as? String, "p2")
            XCTAssertEqual(missed2.event, "remove")
            XCTAssertEqual(missed2.json?["id"] as? String, "p1")
            XCTAssertEqual(missed2.json?["reason"] as? String, "dismissed")
            // Then live again, with no reset and no repeat of p1 in between.
            await hub.show(Fixture.prompt("p3", now: Date()))
            let live = try await requireMessage(&events, of: again)
            XCTAssertEqual(live.json?["id"] as? String, "p3")
            XCTAssertFalse(again.raw.contains("event: reset"))
            XCTAssertFalse(again.raw.contains("elsewhere"))

            // A cursor the hub cannot vouch for gets a full snapshot instead.
            let stranger = SSEConnection(url: eventsURL, lastEventID: "not-a-cursor")
            defer { stranger.close() }
            var strangerEvents = stranger.events.makeAsyncIterator()
            let reset = try await requireMessage(&strangerEvents, of: stranger)
            XCTAssertEqual(reset.event, "reset")
            let snapshot1 = try await requireMessage(&strangerEvents, of: stranger)
            let snapshot2 = try await requireMessage(&strangerEvents, of: stranger)
            XCTAssertEqual([snapshot1, snapshot2].compactMap { $0.json?["id"] as? String }, ["p2", "p3"])
        }
    }

    func testQueryParameterCursorWorksLikeTheHeader() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder())
        try await Fixture.application(hub: hub).test(.live) { client in
            let first = SSEConnection(url: try streamURL(client.port, "/till/1/events"))
            var firstEvents = first.events.makeAsyncIterator()
            let reset = try await requireMessage(&firstEvents, of: first)
            first.close()
            await hub.show(Fixture.prompt("p1", now: Date()))
            let cursor = try XCTUnwrap(reset.id)
            let again = SSEConnection(url: try streamURL(client.port, "/till/1/events?lastEventId=\(cursor)"))
            defer { again.close() }
            var events = again.events.makeAsyncIterator()
            let missed = try await requireMessage(&events, of: again)
            XCTAssertEqual(missed.event, "prompt")
            XCTAssertEqual(missed.json?["id"] as? String, "p1")
        }
    }

    func testExpiredPromptIsRemovedFromOpenPagesOnItsOwn() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder())
        try await Fixture.application(hub: hub).test(.live) { client in
            let connection = SSEConnection(url: try streamURL(client.port, "/till/1/events"))
            defer { connection.close() }
            var events = connection.events.makeAsyncIterator()
            _ = try await requireMessage(&events, of: connection) // reset
            let start = ContinuousClock.now
            await hub.show(Fixture.prompt("brief", now: Date(), lifetime: 0.4))
            let shown = try await requireMessage(&events, of: connection)
            XCTAssertEqual(shown.json?["id"] as? String, "brief")
            let removal = try await requireMessage(&events, of: connection, within: 5)
            XCTAssertEqual(removal.event, "remove")
            XCTAssertEqual(removal.json?["id"] as? String, "brief")
            XCTAssertEqual(removal.json?["reason"] as? String, "expired")
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
            let active = await hub.activePrompts(till: "1")
            XCTAssertEqual(active, [])
        }
    }

    func testIdleStreamGetsHeartbeatsAndAClosedPageIsForgotten() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder(), heartbeat: .milliseconds(200))
        try await Fixture.application(hub: hub).test(.live) { client in
            let connection = SSEConnection(url: try streamURL(client.port, "/till/1/events"))
            var events = connection.events.makeAsyncIterator()
            var sawHeartbeat = false
            for _ in 0..<10 {
                if case .comment("heartbeat") = await nextEvent(&events, of: connection, within: 3) {
                    sawHeartbeat = true
                    break
                }
            }
            XCTAssertTrue(sawHeartbeat)
            let pages = await hub.openPages(till: "1")
            XCTAssertEqual(pages, 1)
            connection.close()
            // The next heartbeat write fails and the page is dropped.
            try await waitUntil("the closed page to be dropped") { await hub.openPages(till: "1") == 0 }
        }
    }
}

func streamURL(_ port: Int?, _ path: String) throws -> URL {
    guard let port, let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw StreamEnded() }
    return url
}

struct ConditionTimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` for up to `seconds`, and throws if it never held.
func waitUntil(_ what: String, seconds: Double = 5, _ condition: @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw ConditionTimedOut(what: what)
}
