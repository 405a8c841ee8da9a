import Foundation
import Hummingbird
import Logging
import WelkomCore
@testable import WelkomTillHub

/// A clock the test sets by hand.
final class ManualClock: WelkomClock, @unchecked Sendable {
    // @unchecked: `current` is only read and written under `lock`.
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        current = start
    }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(by seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// Stands in for the agent's ledger write: records each action, and can be told to fail or to wait.
actor ActionRecorder {
    struct Refused: Error {}

    private(set) var actions: [TillAction] = []
    var failing = false
    private var gate: CheckedContinuation<Void, Never>?
    private var holding = false

    func setFailing(_ value: Bool) { failing = value }

    /// Makes the next `record` wait until `release()`.
    func hold() { holding = true }

    func release() {
        holding = false
        gate?.resume()
        gate = nil
    }

    var isWaiting: Bool { gate != nil }

    func record(_ action: TillAction) async throws {
        if holding {
            await withCheckedContinuation { gate = $0 }
        }
        if failing { throw Refused() }
        actions.append(action)
    }
}

enum Fixture {
    static let tills = [TillInfo(id: "1", name: "Kassa 1"), TillInfo(id: "2", name: "Kassa 2")]
    /// A customer ID that must never reach a till page.
    static let customer = "cust-7Q4Z-secret-9931"

    static var logger: Logger {
        var logger = Logger(label: "welkom.tillhub.test")
        logger.logLevel = .warning
        return logger
    }

    static func prompt(_ id: String, till: TillID = "1", text: String = "Welkom terug, Anna", kind: PromptKind = .greeting,
                       customer: CustomerID = Fixture.customer, now: Date, lifetime: TimeInterval = 120) -> Prompt {
        Prompt(id: id, kind: kind, customer: customer, till: till, scheme: .wlk1, language: .nl, text: text,
               created: now, expires: now + lifetime)
    }

    static func hub(clock: any WelkomClock = SystemClock(), recorder: ActionRecorder, heartbeat: Duration = .seconds(15),
                    replayCapacity: Int = 256) -> TillHub {
        TillHub(tills: tills, logger: logger, clock: clock, heartbeatInterval: heartbeat, reconnectDelay: .milliseconds(500),
                replayCapacity: replayCapacity) { action in
            try await recorder.record(action)
        }
    }

    /// The Application the agent would build: a router with the hub's routes, on a free loopback port.
    static func application(hub: TillHub, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router()
        hub.addRoutes(to: router)
        return Application(router: router,
                           configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}
