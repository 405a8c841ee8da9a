import Foundation
import Logging
import Synchronization
import WelkomCore

/// The till side of Welkom: holds each till's active prompts, pushes them to the till display
/// pages over Server-Sent Events, and turns a press of Acknowledge or Dismiss into a
/// `TillAction` for the agent (which writes the ledger entry) before the prompt goes away.
///
/// The hub does not own a server: `addRoutes(to:)` puts its routes on the agent's router, and
/// the agent builds and runs the Hummingbird `Application`:
///
/// ```swift
/// let hub = TillHub(tills: config.tills.map { TillInfo(id: $0.id, name: $0.name) }, logger: logger) { action in
///     try await ledger.append(draft(for: action))   // durable before the prompt goes away
/// }
/// let router = Router()
/// hub.addRoutes(to: router)
/// router.get("/metrics") { ... }
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)),
///                       logger: logger)
/// let group = ServiceGroup(configuration: .init(services: [app, otherServices...],
///                                               gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
///
/// Prompts reach the pages with `await hub.show(prompt)` once their ledger entry is durable.
/// Open event streams end on graceful shutdown, so SIGTERM stops the server promptly; pages
/// reconnect on their own when the agent is back.
public actor TillHub {
    /// The tills this hub serves, in the order given. Read by the routes without a hop onto the
    /// actor, and replaced by `updateTills` when the agent reloads its config.
    public nonisolated var tills: [TillInfo] { tillList.withLock { $0.tills } }
    nonisolated var tillsByID: [TillID: TillInfo] { tillList.withLock { $0.byID } }
    private nonisolated let tillList: Mutex<TillList>
    /// How often an idle stream gets a comment line.
    nonisolated let heartbeatInterval: Duration
    /// What a reconnecting page is told to wait before it tries again (SSE `retry:`).
    nonisolated let reconnectDelay: Duration
    /// Paired displays; nil serves every page to anyone (unit tests of the hub alone).
    nonisolated let pairings: PairingStore?
    /// Whether the pages are served over HTTPS (the pairing cookie is then `Secure`).
    nonisolated let secureCookies: Bool
    /// How long a token lasts unless its page renews it; the cookie's Max-Age follows.
    nonisolated let tokenLifetime: TimeInterval
    /// The Host names every request is checked against; nil checks none (tests of the hub alone).
    nonisolated let hosts: HostAllowList?

    let logger: Logger
    let clock: any WelkomClock
    private let onAction: @Sendable (TillAction) async throws -> Void
    private let onShown: @Sendable (Prompt) -> Void
    private var board: PromptBoard
    /// Open pages per till, each the continuation feeding its stream.
    private var pages: [TillID: [Int: AsyncStream<TillStreamItem>.Continuation]] = [:]
    private var nextPageID = 0
    /// Prompts whose action is being recorded, so a double press writes one ledger entry.
    private var inFlight: Set<PromptKey> = []
    private var expiryTimer: Task<Void, Never>?
    private var expiryTimerDeadline: Date?
    private var pairingAttempts = PairingAttempts()
    /// Who carries out the consent changes the pages start; nil until the agent attaches one
    /// (the withdraw and desk routes then answer 503).
    nonisolated let consentDesk = Mutex<(any TillConsentDesk)?>(nil)
    /// The enrolment under way at each desk (in memory only: an unconfirmed one leaves nothing).
    var deskSessions: [TillID: DeskSession] = [:]

    /// - Parameters:
    ///   - tills: the configured tills; pages exist for these only.
    ///   - logger: logs carry till IDs, prompt kinds and counts, never a customer or prompt text.
    ///   - clock: decides when a prompt has expired (a hand-set clock in tests).
    ///   - heartbeatInterval: comment lines on idle streams.
    ///   - replayCapacity: how many recent events a reconnecting page can be replayed.
    ///   - pairings: the paired displays; nil serves every page to anyone (tests of the hub alone).
    ///   - secureCookies: the pages are served over HTTPS, so the pairing cookie is `Secure`.
    ///   - tokenLifetime: how long a pairing lasts unless its page renews it.
    ///   - hosts: the Host names the pages answer to (DNS rebinding); nil answers any.
    ///   - onShown: told of each prompt once it is up (the agent's pole displays); must not block.
    ///   - onAction: called when staff acknowledge or dismiss a prompt; the agent writes the ledger
    ///     entry durably here. Only when it returns without throwing does the prompt go away.
    public init(
        tills: [TillInfo],
        logger: Logger,
        clock: any WelkomClock = SystemClock(),
        heartbeatInterval: Duration = .seconds(15),
        reconnectDelay: Duration = .seconds(2),
        replayCapacity: Int = 256,
        pairings: PairingStore? = nil,
        secureCookies: Bool = false,
        tokenLifetime: TimeInterval = PairingStore.defaultTokenLifetime,
        hosts: HostAllowList? = nil,
        onShown: @escaping @Sendable (Prompt) -> Void = { _ in },
        onAction: @escaping @Sendable (TillAction) async throws -> Void
    ) {
        self.tillList = Mutex(TillList(tills))
        self.heartbeatInterval = heartbeatInterval
        self.reconnectDelay = reconnectDelay
        self.pairings = pairings
        self.secureCookies = secureCookies
        self.tokenLifetime = tokenLifetime
        self.hosts = hosts
        self.logger = logger
        self.clock = clock
        self.onAction = onAction
        self.onShown = onShown
        // Event IDs start at the start time in microseconds, so IDs from an earlier run of the
        // agent are always below this run's replay range and such a page gets a fresh snapshot.
        let micros = clock.now().timeIntervalSince1970 * 1_000_000
        self.board = PromptBoard(start: micros > 0 ? UInt64(micros) : 0, replayCapacity: replayCapacity)
    }

    deinit {
        expiryTimer?.cancel()
        for continuation in pages.values.flatMap(\.values) {
            continuation.finish()
        }
    }

    // MARK: Public API

    /// Pushes `prompt` to every page open on `prompt.till` and keeps it in that till's active
    /// list until it is acknowledged, dismissed or expired. A prompt with the ID of one already
    /// up on that till replaces it. Prompts for an unknown till, or already expired, are dropped.
    public func show(_ prompt: Prompt) {
        guard tillsByID[prompt.till] != nil else {
            logger.warning("prompt for a till that is not configured, dropped",
                           metadata: ["till": "\(prompt.till)", "kind": "\(prompt.kind.rawValue)"])
            return
        }
        let now = clock.now()
        publish(board.removeExpired(now: now))
        guard let event = board.show(prompt, now: now) else {
            logger.notice("prompt already expired, not shown",
                          metadata: ["till": "\(prompt.till)", "kind": "\(prompt.kind.rawValue)"])
            return
        }
        publish([event])
        scheduleExpirySweep()
        onShown(prompt)
        logger.debug("prompt shown", metadata: ["till": "\(prompt.till)", "kind": "\(prompt.kind.rawValue)",
                                                "pages": "\(pages[prompt.till]?.count ?? 0)"])
    }

    /// The prompts up on `till` now, oldest first (expired ones are swept first).
    public func activePrompts(till: TillID) -> [Prompt] {
        sweepExpired()
        return board.activePrompts(till: till)
    }

    /// Takes every prompt about `customer` off every till and out of the replay buffer, for a
    /// withdrawal or an erasure. Returns how many prompts were removed.
    @discardableResult
    public func removePrompts(of customer: CustomerID) -> Int {
        let events = board.removeAll(customer: customer)
        publish(events)
        scheduleExpirySweep()
        if !events.isEmpty {
            logger.info("prompts removed after a consent change", metadata: ["count": "\(events.count)"])
        }
        return events.count
    }

    /// Lets the pages start consent changes (one-tap withdrawal, the desk): `desk` carries them out.
    public nonisolated func attach(consents desk: any TillConsentDesk) {
        consentDesk.withLock { $0 = desk }
    }

    // MARK: Used by the routes

    /// Whose prompt this is, when it is up on `till` and belongs to a consent (a note for a card
    /// marked "do not ask" has no consent to withdraw).
    func customer(ofPrompt promptID: String, till: TillID) -> CustomerID? {
        sweepExpired()
        guard let prompt = board.prompt(id: promptID, till: till), prompt.scopes != nil else { return nil }
        return prompt.customer
    }

    /// What a display's code bought it.
    enum PairingOutcome: Sendable, Equatable {
        case paired(NewPairing)
        /// Unknown, used or expired code.
        case refused
        /// Too many wrong codes lately; try again after this many seconds.
        case tooManyAttempts(retryAfter: Int)
        case unavailable
    }

    /// Exchanges a pairing code for a token, under the rate limit on wrong codes from `client`
    /// (an IP address). Other clients are never held back by this one's wrong codes.
    func pair(code: String, client: String) async -> PairingOutcome {
        guard let pairings else { return .unavailable }
        let now = clock.now()
        if let wait = pairingAttempts.check(client: client, now: now) {
            logger.notice("pairing attempt refused: too many wrong codes from this client lately")
            return .tooManyAttempts(retryAfter: Int(wait.rounded(.up)))
        }
        do {
            // The wall clock, not the hub's: codes and tokens are checked against it everywhere else.
            guard let made = try await pairings.redeem(code: code, now: Date(), tokenLifetime: tokenLifetime) else {
                pairingAttempts.recordFailure(client: client, now: now)
                logger.notice("pairing code refused (unknown, used or expired)")
                return .refused
            }
            guard tillsByID[made.pairing.till] != nil else {
                // Paired for a till this config does not have: keep nothing.
                try await pairings.revoke(pairingID: made.pairing.id)
                pairingAttempts.recordFailure(client: client, now: now)
                return .refused
            }
            logger.info("till display paired", metadata: ["till": "\(made.pairing.till)", "pairing": "\(made.pairing.id)"])
            return .paired(made)
        } catch {
            logger.error("pairing store failed", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    /// A reloaded config's tills: names and languages change for the next page load, streams of
    /// tills still configured stay open, and pages of a till that is gone are closed (they then
    /// see 404 and stop). Prompts already up on a removed till expire as usual.
    public func updateTills(_ newTills: [TillInfo]) {
        let list = TillList(newTills)
        tillList.withLock { $0 = list }
        for (till, open) in pages where list.byID[till] == nil {
            for continuation in open.values { continuation.finish() }
            pages[till] = nil
            logger.info("till removed by a reload: its pages closed", metadata: ["till": "\(till)", "pages": "\(open.count)"])
        }
    }

    /// Registers a page of `till` and gives it the events it should start with.
    func subscribe(till: TillID, lastEventID: UInt64?) -> TillPageSubscription {
        sweepExpired()
        let catchUp = board.catchUp(till: till, after: lastEventID, now: clock.now())
        let events = catchUp.events
        // Room for the catch-up plus the replay window's worth of live events; a page that
        // falls further behind is cut off in `publish` and catches up on reconnecting.
        let (stream, continuation) = AsyncStream.makeStream(
            of: TillStreamItem.self, bufferingPolicy: .bufferingOldest(events.count + board.replayCapacity))
        for event in events {
            continuation.yield(.event(event))
        }
        let pageID = nextPageID
        nextPageID += 1
        pages[till, default: [:]][pageID] = continuation
        let mode: String
        switch catchUp {
        case .replay: mode = "replay"
        case .snapshot: mode = "snapshot"
        }
        logger.info("till page connected", metadata: ["till": "\(till)", "pages": "\(pages[till]?.count ?? 0)",
                                                      "catch_up": "\(mode)", "events": "\(events.count)"])
        return TillPageSubscription(pageID: pageID, till: till, stream: stream, continuation: continuation)
    }

    func unsubscribe(_ subscription: TillPageSubscription) {
        subscription.continuation.finish()
        guard pages[subscription.till]?.removeValue(forKey: subscription.pageID) != nil else { return }
        if pages[subscription.till]?.isEmpty == true {
            pages[subscription.till] = nil
        }
        logger.info("till page disconnected",
                    metadata: ["till": "\(subscription.till)", "pages": "\(pages[subscription.till]?.count ?? 0)"])
    }

    /// Number of pages open on `till` (for tests and diagnostics).
    func openPages(till: TillID) -> Int {
        pages[till]?.count ?? 0
    }

    /// Records `action` through `onAction`, then takes the prompt off the till.
    func perform(_ action: TillAction) async -> TillActionOutcome {
        let (promptID, till, reason) = action.parts
        sweepExpired()
        guard board.prompt(id: promptID, till: till) != nil else { return .unknownPrompt }
        let key = PromptKey(till: till, promptID: promptID)
        guard inFlight.insert(key).inserted else { return .inProgress }
        defer { inFlight.remove(key) }
        do {
            try await onAction(action)
        } catch {
            // The error's type only: its description may carry whatever the ledger layer put there.
            logger.warning("till action not recorded, prompt stays",
                           metadata: ["till": "\(till)", "action": "\(reason.rawValue)",
                                      "error.type": "\(String(reflecting: type(of: error)))"])
            return .notRecorded
        }
        // The prompt may have expired while the ledger wrote; the action still counts.
        if let event = board.remove(promptID: promptID, till: till, reason: reason) {
            publish([event])
        }
        scheduleExpirySweep()
        logger.info("till action recorded", metadata: ["till": "\(till)", "action": "\(reason.rawValue)"])
        return .done
    }

    /// Removes expired prompts and tells their pages.
    func sweepExpired() {
        let events = board.removeExpired(now: clock.now())
        publish(events)
        if !events.isEmpty {
            logger.debug("prompts expired", metadata: ["count": "\(events.count)"])
        }
        scheduleExpirySweep()
    }

    // MARK: Internals

    private func publish(_ events: [TillEvent]) {
        for event in events {
            guard let tillPages = pages[event.till] else { continue }
            for (pageID, continuation) in tillPages {
                switch continuation.yield(.event(event)) {
                case .enqueued:
                    continue
                case .dropped:
                    // Cut off a page that cannot keep up rather than let it miss an event
                    // silently; it reconnects with its cursor and catches up.
                    continuation.finish()
                    pages[event.till]?[pageID] = nil
                    logger.notice("till page too slow, disconnected", metadata: ["till": "\(event.till)"])
                case .terminated:
                    pages[event.till]?[pageID] = nil
                @unknown default:
                    continue
                }
            }
        }
    }

    /// Keeps one timer armed for the earliest expiry, so pages hear `remove` on time even when
    /// nobody touches the hub. Prompts are few (tills × a handful), a scan per change is cheap.
    private func scheduleExpirySweep() {
        guard let next = board.nextExpiry else {
            expiryTimer?.cancel()
            expiryTimer = nil
            expiryTimerDeadline = nil
            return
        }
        if expiryTimer != nil, let deadline = expiryTimerDeadline, deadline <= next {
            return
        }
        expiryTimer?.cancel()
        expiryTimerDeadline = next
        // Never spin: a clock that does not move (a replay) re-arms at least this far ahead.
        let delay = max(0.05, next.timeIntervalSince(clock.now()))
        expiryTimer = Task { [weak self] in
            do {
                try await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up))))
            } catch {
                return
            }
            await self?.expiryTimerFired()
        }
    }

    private func expiryTimerFired() {
        expiryTimer = nil
        expiryTimerDeadline = nil
        sweepExpired()
    }
}

/// The configured tills, in order and by ID.
struct TillList: Sendable {
    var tills: [TillInfo]
    var byID: [TillID: TillInfo]

    init(_ tills: [TillInfo]) {
        self.tills = tills
        // A duplicate ID in the list keeps its first entry; the config check reports duplicates.
        byID = Dictionary(tills.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
