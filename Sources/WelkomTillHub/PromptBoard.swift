import Foundation
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
    private var active: [TillID: [Prompt]] = [:]
    /// The newest events of all tills, oldest first, at most `replayCapacity`.
    private var replayBuffer: [TillEvent] = []
    /// The ID of the oldest event ever evicted or scrubbed from the buffer; a cursor below it
    /// cannot be replayed faithfully.
    private var replayFloor: UInt64
    let replayCapacity: Int

    /// - Parameter start: the first cursor value. The hub passes its start time in microseconds,
    ///   so event IDs of a restarted agent never fall in the range of the previous run's IDs and a
    ///   page reconnecting across a restart gets a snapshot, not a wrong replay.
    init(start: UInt64, replayCapacity: Int = 256) {
        self.cursor = start
        self.replayFloor = start
        self.replayCapacity = max(1, replayCapacity)
    }

    // MARK: Reading

    func activePrompts(till: TillID) -> [Prompt] {
        active[till] ?? []
    }

    func prompt(id: String, till: TillID) -> Prompt? {
        active[till]?.first { $0.id == id }
    }

    /// The earliest expiry among all active prompts, for the hub's sweep timer.
    var nextExpiry: Date? {
        active.values.lazy.flatMap { $0 }.map(\.expires).min()
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
        var list = active[prompt.till] ?? []
        if let index = list.firstIndex(where: { $0.id == prompt.id }) {
            list[index] = prompt
        } else {
            list.append(prompt)
        }
        active[prompt.till] = list
        return record(till: prompt.till, body: .prompt(PromptPayload(prompt)))
    }

    /// Takes one prompt off its till. Nil if it was not there.
    mutating func remove(promptID: String, till: TillID, reason: RemovalReason) -> TillEvent? {
        guard var list = active[till], let index = list.firstIndex(where: { $0.id == promptID }) else { return nil }
        list.remove(at: index)
        active[till] = list.isEmpty ? nil : list
        return record(till: till, body: .remove(promptID: promptID, reason: reason))
    }

    /// Removes every prompt whose `expires` is not after `now`.
    mutating func removeExpired(now: Date) -> [TillEvent] {
        let expired = active.values.flatMap { $0 }.filter { $0.expires <= now }
        return expired.compactMap { remove(promptID: $0.id, till: $0.till, reason: .expired) }
    }

    /// Removes every prompt about `customer` and scrubs their text from the replay buffer, so
    /// nothing about a customer who withdrew stays in memory to be replayed.
    mutating func removeAll(customer: CustomerID) -> [TillEvent] {
        let theirs = active.values.flatMap { $0 }.filter { $0.customer == customer }
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
}
