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

    /// The `data:` line: one JSON object, keys sorted, always one line (JSONText escapes line
    /// breaks inside strings, as a `data:` field needs). Written by hand: JSONEncoder with a date
    /// formatter per event was an eighth of the agent's CPU while prompts streamed to a till.
    func dataJSON() -> String {
        var json = JSONObjectWriter()
        switch body {
        case .prompt(let payload):
            // `created` keeps its milliseconds: the page puts the newest prompt on top, and two
            // scans within one second must still sort apart.
            json.add("created", UTCTimestamp.rfc3339(milliseconds: UTCTimestamp.milliseconds(payload.created)))
            json.add("expires", UTCTimestamp.rfc3339Seconds(payload.expires))
            json.add("id", payload.id)
            json.add("kind", payload.kind.rawValue)
            if let scopes = payload.scopes { json.add("scopes", scopes.map(\.rawValue)) }
            json.add("text", payload.text)
        case .remove(let promptID, let reason):
            json.add("id", promptID)
            json.add("reason", reason.rawValue)
        case .reset(let serverTime):
            json.add("serverTime", UTCTimestamp.rfc3339Seconds(serverTime))
        }
        return json.line
    }
}
