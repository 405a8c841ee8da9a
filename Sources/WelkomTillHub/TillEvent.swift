import Foundation
import WelkomCore

/// One Server-Sent Event for the pages of one till.
///
/// `id` is the hub's cursor: it grows by one for every change on any till, so a page that
/// reconnects with `Last-Event-ID` can be sent exactly what it missed.
struct TillEvent: Sendable, Equatable {
    enum Body: Sendable, Equatable {
        /// Show (or replace) this prompt.
        case prompt(PromptPayload)
        /// Take this prompt off the page.
        case remove(promptID: String, reason: RemovalReason)
        /// Forget every card, a fresh list of `prompt` events follows. Sent on a first
        /// connection and whenever a replay cannot cover what the page missed. Carries the
        /// hub's time so a page with a skewed clock still expires cards at the right moment.
        case reset(serverTime: Date)
    }

    var id: UInt64
    var till: TillID
    var body: Body

    /// The SSE `event:` field the page listens for.
    var name: String {
        switch body {
        case .prompt: "prompt"
        case .remove: "remove"
        case .reset: "reset"
        }
    }

    /// No event is ever longer than this (PromptPayload bounds the text and ID).
    static let maxEncodedBytes = 4096

    /// The event in the `text/event-stream` wire format, ending with the blank line that dispatches it.
    func encoded() -> String {
        "id: \(id)\nevent: \(name)\ndata: \(dataJSON())\n\n"
    }

    /// The `data:` line. JSONEncoder escapes line breaks inside strings, so the JSON is always
    /// one line, as a `data:` field must be.
    func dataJSON() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch body {
        case .prompt(let payload):
            data = try? encoder.encode(payload)
        case .remove(let promptID, let reason):
            data = try? encoder.encode(RemovePayload(id: promptID, reason: reason))
        case .reset(let serverTime):
            data = try? encoder.encode(ResetPayload(serverTime: serverTime))
        }
        // Encoding these plain structs cannot fail; an empty object keeps the stream well formed if it ever did.
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    private struct RemovePayload: Encodable {
        var id: String
        var reason: RemovalReason
    }

    private struct ResetPayload: Encodable {
        var serverTime: Date
    }
}
