import Foundation
import Hummingbird
import HummingbirdTesting
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// The plain HTTP routes, sent straight to the router.
final class TillHubRouteTests: XCTestCase {
    func testIndexListsEveryTillWithALinkAndEscapesNames() async throws {
        let hub = TillHub(tills: [TillInfo(id: "1", name: "Kassa 1"), TillInfo(id: "back office", name: "<b>Kassa & Co</b>")],
                          logger: Fixture.logger) { _ in }
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                let html = response.body.text
                XCTAssertTrue(html.contains(#"<a href="/till/1">Kassa 1</a>"#), html)
                XCTAssertTrue(html.contains(#"<a href="/till/back%20office">&lt;b&gt;Kassa &amp; Co&lt;/b&gt;</a>"#), html)
                XCTAssertFalse(html.contains("<b>Kassa"))
            }
            // The percent-encoded link leads to that till's page.
            try await client.execute(uri: "/till/back%20office", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
            }
        }
    }

    func testHealthzIsNotOnTheTillRoutesButOnItsOwnRoute() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder())
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { XCTAssertEqual($0.status, .notFound) }
        }
        let router = Router()
        TillHub.addHealthRoute(to: router)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.body.text, "ok")
            }
        }
    }

    func testPageIsServedForAKnownTillWithTheHooksBrowserTestsUse() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder())
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/till/2", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                XCTAssertTrue(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                let html = response.body.text
                XCTAssertTrue(html.contains("<title>Kassa 2 — Welkom</title>"))
                XCTAssertTrue(html.contains(#"id="prompts""#))
                XCTAssertTrue(html.contains(#"id="connection" data-state="closed""#))
                XCTAssertTrue(html.contains("No prompts"))
                XCTAssertTrue(html.contains(#"data-events="/till/2/events""#))
                XCTAssertTrue(html.contains("new EventSource("))
                XCTAssertTrue(html.contains(#"card.className = "prompt""#))
                XCTAssertTrue(html.contains(#"makeButton("ack""#) && html.contains(#"makeButton("dismiss""#))
                XCTAssertTrue(html.contains(".prompt-text\").textContent = p.text"))
                // Self-contained, and prompt text never parsed as HTML.
                XCTAssertFalse(html.contains("innerHTML"))
                XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="))
            }
        }
    }

    func testUnknownTillIs404Everywhere() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            for (uri, method) in [("/till/9", HTTPRequest.Method.get), ("/till/9/events", .get),
                                  ("/till/9/prompts/p1/ack", .post), ("/till/9/prompts/p1/dismiss", .post)] {
                try await client.execute(uri: uri, method: method) { response in
                    XCTAssertEqual(response.status, .notFound, uri)
                }
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [])
    }

    func testAcknowledgeRecordsTheActionThenRemovesThePrompt() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        await hub.show(Fixture.prompt("p2", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post) { response in
                XCTAssertEqual(response.status, .noContent)
            }
            // Done once: a second press finds nothing and records nothing.
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [.acknowledge(promptID: "p1", till: "1")])
        let remaining = await hub.activePrompts(till: "1").map(\.id)
        XCTAssertEqual(remaining, ["p2"])
    }

    func testDismissRecordsTheActionThenRemovesThePrompt() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p 1/x", till: "2", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            // A prompt ID with a space and a slash, as the page's encodeURIComponent sends it.
            try await client.execute(uri: "/till/2/prompts/p%201%2Fx/dismiss", method: .post) { response in
                XCTAssertEqual(response.status, .noContent)
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [.dismiss(promptID: "p 1/x", till: "2")])
        let remaining = await hub.activePrompts(till: "2")
        XCTAssertEqual(remaining, [])
    }

    func testUnknownPromptIs404AndRecordsNothing() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", till: "2", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/till/1/prompts/nope/ack", method: .post) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            // A prompt of another till is not this till's to acknowledge.
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [])
        let stillThere = await hub.activePrompts(till: "2").map(\.id)
        XCTAssertEqual(stillThere, ["p1"])
    }

    func testWhenRecordingFailsTheAnswerIs503AndThePromptStays() async throws {
        let recorder = ActionRecorder()
        await recorder.setFailing(true)
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            for action in ["ack", "dismiss"] {
                try await client.execute(uri: "/till/1/prompts/p1/\(action)", method: .post) { response in
                    XCTAssertEqual(response.status, .serviceUnavailable)
                    XCTAssertEqual(response.headers[.retryAfter], "1")
                    XCTAssertTrue(response.body.text.contains("could not record"))
                }
            }
            var stillThere = await hub.activePrompts(till: "1").map(\.id)
            XCTAssertEqual(stillThere, ["p1"])

            // Once the ledger works again the same press goes through.
            await recorder.setFailing(false)
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post) { response in
                XCTAssertEqual(response.status, .noContent)
            }
            stillThere = await hub.activePrompts(till: "1").map(\.id)
            XCTAssertEqual(stillThere, [])
        }
    }

    func testCrossOriginPressIsRefusedSameOriginAccepted() async throws {
        let recorder = ActionRecorder()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post,
                                     headers: [.origin: "http://evil.example"]) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
            var actions = await recorder.actions
            XCTAssertEqual(actions, [])
            // The router test client's requests are for authority "localhost".
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post,
                                     headers: [.origin: "http://localhost"]) { response in
                XCTAssertEqual(response.status, .noContent)
            }
            actions = await recorder.actions
            XCTAssertEqual(actions.count, 1)
        }
    }

    func testExpiredPromptIsGoneAndCannotBeAcknowledged() async throws {
        let clock = ManualClock()
        let recorder = ActionRecorder()
        let hub = Fixture.hub(clock: clock, recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: clock.now(), lifetime: 30))
        await hub.show(Fixture.prompt("p2", now: clock.now(), lifetime: 90))
        var active = await hub.activePrompts(till: "1").map(\.id)
        XCTAssertEqual(active, ["p1", "p2"])
        clock.advance(by: 30)
        active = await hub.activePrompts(till: "1").map(\.id)
        XCTAssertEqual(active, ["p2"])
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [])
        // A prompt that is already over when shown never appears.
        await hub.show(Fixture.prompt("old", now: clock.now() - 100, lifetime: 60))
        active = await hub.activePrompts(till: "1").map(\.id)
        XCTAssertEqual(active, ["p2"])
    }

    func testPromptForAnUnconfiguredTillIsDropped() async {
        let hub = Fixture.hub(recorder: ActionRecorder())
        await hub.show(Fixture.prompt("p1", till: "99", now: Date()))
        let active = await hub.activePrompts(till: "99")
        XCTAssertEqual(active, [])
    }

    func testTwoPressesAtOnceWriteOneLedgerEntry() async throws {
        let recorder = ActionRecorder()
        await recorder.hold()
        let hub = Fixture.hub(recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        async let first = hub.perform(.acknowledge(promptID: "p1", till: "1"))
        // Wait until the first press is inside onAction.
        for _ in 0..<500 where await !recorder.isWaiting {
            try await Task.sleep(for: .milliseconds(10))
        }
        let isWaiting = await recorder.isWaiting
        XCTAssertTrue(isWaiting)
        let second = await hub.perform(.dismiss(promptID: "p1", till: "1"))
        XCTAssertEqual(second, .inProgress)
        await recorder.release()
        let firstOutcome = await first
        XCTAssertEqual(firstOutcome, .done)
        let actions = await recorder.actions
        XCTAssertEqual(actions, [.acknowledge(promptID: "p1", till: "1")])
    }

    func testWithdrawalTakesTheCustomersPromptsOffEveryTill() async {
        let hub = Fixture.hub(recorder: ActionRecorder())
        await hub.show(Fixture.prompt("a", till: "1", now: Date()))
        await hub.show(Fixture.prompt("b", till: "2", now: Date()))
        await hub.show(Fixture.prompt("c", till: "2", customer: "someone-else", now: Date()))
        let removed = await hub.removePrompts(of: Fixture.customer)
        XCTAssertEqual(removed, 2)
        let one = await hub.activePrompts(till: "1")
        let two = await hub.activePrompts(till: "2").map(\.id)
        XCTAssertEqual(one, [])
        XCTAssertEqual(two, ["c"])
    }
}
