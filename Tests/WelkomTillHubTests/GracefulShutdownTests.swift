import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// The way the agent runs the hub: an Application in a ServiceGroup. An open event stream must
/// not hold up a graceful shutdown (SIGTERM from systemd, Ctrl-C in the demo).
final class GracefulShutdownTests: XCTestCase {
    func testOpenEventStreamEndsAndTheApplicationStopsPromptly() async throws {
        let hub = Fixture.hub(recorder: ActionRecorder())
        await hub.show(Fixture.prompt("p1", now: Date()))
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Fixture.application(hub: hub) { port in portSink.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Fixture.logger))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            let (stopped, stoppedSink) = AsyncStream.makeStream(of: Void.self)
            tasks.addTask {
                try await group.run()
                stoppedSink.yield()
            }
            var portIterator = ports.makeAsyncIterator()
            let port = await portIterator.next()

            let connection = SSEConnection(url: try streamURL(port, "/till/1/events"))
            defer { connection.close() }
            var events = connection.events.makeAsyncIterator()
            _ = try await requireMessage(&events, of: connection)   // reset
            let prompt = try await requireMessage(&events, of: connection)
            XCTAssertEqual(prompt.json?["id"] as? String, "p1")
            let pages = await hub.openPages(till: "1")
            XCTAssertEqual(pages, 1)

            let start = ContinuousClock.now
            await group.triggerGracefulShutdown()

            // The stream ends from the server side...
            var ended = false
            for _ in 0..<20 {
                let event = await nextEvent(&events, of: connection, within: 5)
                if event == .closed { ended = true; break }
                if event == .timedOut { break }
            }
            XCTAssertTrue(ended, "the event stream was not closed by the server on shutdown")

            // ...and the whole application stops within a few seconds.
            let watchdog = Task {
                try await Task.sleep(for: .seconds(5))
                stoppedSink.finish()
            }
            var stoppedIterator = stopped.makeAsyncIterator()
            let didStop = await stoppedIterator.next() != nil
            watchdog.cancel()
            XCTAssertTrue(didStop, "the application did not stop within 5 s of a graceful shutdown")
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
            if !didStop { tasks.cancelAll() }
            try await tasks.waitForAll()
        }
        let pagesAfter = await hub.openPages(till: "1")
        XCTAssertEqual(pagesAfter, 0)
    }
}
