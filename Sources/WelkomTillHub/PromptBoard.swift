import DequeModule
import Foundation
import HeapModule
import WelkomCore

/// The hub's state without any I/O: the active prompts of each till, the event cursor and a
/// short replay buffer. `TillHub` wraps it in an actor and does the pushing; keeping this a
/// plain value makes every rule here testable with a hand-set time.
struct PromptBoard: Sendable {
    /// What a page gets when it connects.
    enum CatchUp: Sendable, Equatable {
        /// The events it missed, oldest first (possibly none).
        case replay([TillEvent])
        /// A `reset` event then the till's active prompts: first connections, and reconnections
        /// whose cursor the buffer no longer covers (too old, or from an earlier run of the agent).
        case snapshot([TillEvent])

        var events: [TillEvent] {
            switch self {
            case .replay(let events), .snapshot(let events): events
            }
        }
    }

    /// The newest event ID handed out.
    private(set) var cursor: UInt64
    /// Each till's prompts by ID, with the order they were first shown in. A busy till whose
    /// staff leave prompts up holds hundreds; every show, acknowledgement and sweep is then a
    /// lookup, not a scan or a copy of the whole list.
    private var active: [TillID: [String: Shown]] = [:]
    private var shownSoFar: UInt64 = 0
    /// Every active prompt's expiry, earliest first. An entry whose prompt was taken off or
    /// replaced stays until it reaches the top (checked against `active` there), so taking a
    /// prompt off costs nothing here; `dropStaleExpiries` keeps those leftovers few (they hold
    /// a random prompt ID and a time, nothing about a customer).
    private var expiries = Heap<Expiry>()
    /// The newest events of all tills, oldest first, at most `replayCapacity`.
    private var replayBuffer = Deque<TillEvent>()
    /// The ID of the oldest event ever evicted or scrubbed from the buffer; a cursor below it
    /// cannot be replayed faithfully.
    private var replayFloor: UInt64
    let replayCapacity: Int

    private struct Shown: Sendable {
        var prompt: Prompt
        var order: UInt64
    }

    private struct Expiry: Comparable, Sendable {
        var expires: Date
        var till: TillID
        var promptID: String
        static func < (a: Expiry, b: Expiry) -> Bool { a.expires < b.expires }
        static func == (a: Expiry, b: Expiry) -> Bool {
            a.expires == b.expires && a.till == b.till && a.promptID == b.promptID
        }
    }

    /// - Parameter start: the first cursor value. The hub passes its start time in microseconds,
    ///   so event IDs of a restarted agent never fall in the range of the previous run's IDs and a
    ///   page reconnecting across a restart gets a snapshot, not a wrong replay.
    init(start: UInt64, replayCapacity: Int = 256) {
        self.cursor = start
        self.replayFloor = start
        self.replayCapacity = max(1, replayCapacity)
    }

    // MARK: Reading

    /// The till's prompts, in the order they were first shown.
    func activePrompts(till: TillID) -> [Prompt] {
        guard let shown = active[till] else { return [] }
        return shown.values.sorted { $0.order < $1.order }.map(\.prompt)
    }

    func prompt(id: String, till: TillID) -> Prompt? {
        active[till]?[id]?.prompt
    }

    /// The earliest expiry among all active prompts, for the hub's sweep timer. (Every change
    /// ends with the heap's top belonging to an active prompt.)
    var nextExpiry: Date? {
        expiries.min?.expires
    }

    /// What a page of `till` should receive on connecting, given the `Last-Event-ID` it sent.
    func catchUp(till: TillID, after lastEventID: UInt64?, now: Date) -> CatchUp {
        if let lastEventID, lastEventID >= replayFloor, lastEventID <= cursor {
            // A prompt that has expired since is not sent again: its text has no business on the
            // wire any more (its `remove` follows in the buffer, or the page's timer drops it).
            return .replay(replayBuffer.filter { event in
                guard event.till == till, event.id > lastEventID else { return false }
                if case .prompt(let payload) = event.body { return payload.expires > now }
                return true
            })
        }
        // Snapshot events carry the current cursor: a later reconnection replays from here.
        var events = [TillEvent(id: cursor, till: till, body: .reset(serverTime: now))]
        events += activePrompts(till: till).map { TillEvent(id: cursor, till: till, body: .prompt(PromptPayload($0))) }
        return .snapshot(events)
    }

    // MARK: Changing

    /// Adds or replaces (same ID on the same till) a prompt. Returns nil, changing nothing,
    /// for a prompt already past its expiry.
    mutating func show(_ prompt: Prompt, now: Date) -> TillEvent? {
        guard prompt.expires > now else { return nil }
        let order: UInt64
        if let replaced = active[prompt.till]?[prompt.id] {
            // A replacement keeps its place on the page.
            order = replaced.order
        } else {
            shownSoFar += 1
            order = shownSoFar
        }
        active[prompt.till, default: [:]][prompt.id] = Shown(prompt: prompt, order: order)
        expiries.insert(Expiry(expires: prompt.expires, till: prompt.till, promptID: prompt.id))
        dropStaleExpiries()
        return record(till: prompt.till, body: .prompt(PromptPayload(prompt)))
    }

    /// Takes one prompt off its till. Nil if it was not there.
    mutating func remove(promptID: String, till: TillID, reason: RemovalReason) -> TillEvent? {
        guard active[till]?.removeValue(forKey: promptID) != nil else { return nil }
        if active[till]?.isEmpty == true { active[till] = nil }
        dropStaleExpiries()
        return record(till: till, body: .remove(promptID: promptID, reason: reason))
    }

    /// Removes every prompt whose `expires` is not after `now`, earliest first.
    mutating func removeExpired(now: Date) -> [TillEvent] {
        var events: [TillEvent] = []
        while let next = expiries.min, next.expires <= now {
            expiries.removeMin()
            guard isCurrent(next), let event = remove(promptID: next.promptID, till: next.till, reason: .expired) else {
                continue
            }
            events.append(event)
        }
        return events
    }

    /// Removes every prompt about `customer` and scrubs their text from the replay buffer, so
    /// nothing about a customer who withdrew stays in memory to be replayed.
    mutating func removeAll(customer: CustomerID) -> [TillEvent] {
        let theirs = active.values.flatMap(\.values).filter { $0.prompt.customer == customer }
            .sorted { $0.order < $1.order }.map(\.prompt)
        guard !theirs.isEmpty else { return [] }
        let keys = Set(theirs.map { PromptKey(till: $0.till, promptID: $0.id) })
        // This leaves holes in the buffer's IDs. A page that missed a scrubbed event never
        // learns the prompt existed, and the `remove` recorded below makes that harmless.
        replayBuffer.removeAll { event in
            if case .prompt(let payload) = event.body {
                return keys.contains(PromptKey(till: event.till, promptID: payload.id))
            }
            return false
        }
        return theirs.compactMap { remove(promptID: $0.id, till: $0.till, reason: .withdrawn) }
    }

    private mutating func record(till: TillID, body: TillEvent.Body) -> TillEvent {
        cursor += 1
        let event = TillEvent(id: cursor, till: till, body: body)
        replayBuffer.append(event)
        if replayBuffer.count > replayCapacity {
            let evicted = replayBuffer.removeFirst()
            replayFloor = evicted.id
        }
        return event
    }

    /// Whether an expiry entry still belongs to the prompt that is up (not taken off, not
    /// replaced by one that expires at another time).
    private func isCurrent(_ expiry: Expiry) -> Bool {
        active[expiry.till]?[expiry.promptID]?.prompt.expires == expiry.expires
    }

    /// Keeps `nextExpiry` true, and the heap from filling with prompts long taken off: when
    /// leftovers outnumber active prompts four to one, it is rebuilt from the active ones.
    private mutating func dropStaleExpiries() {
        while let top = expiries.min, !isCurrent(top) { expiries.removeMin() }
        let activeCount = active.values.reduce(0) { $0 + $1.count }
        if expiries.count > 64, expiries.count > 4 * activeCount {
            expiries = Heap(active.values.flatMap(\.values).map {
                Expiry(expires: $0.prompt.expires, till: $0.prompt.till, promptID: $0.prompt.id)
            })
        }
    }
}
