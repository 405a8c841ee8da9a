import Foundation
import WelkomCore

/// What a till page receives about a prompt. It deliberately has no customer, scheme or
/// language: the page needs only the line to read, and anything more would put a customer
/// identifier on the wire and in the browser.
struct PromptPayload: Sendable, Equatable {
    var id: String
    var kind: PromptKind
    var text: String
    var created: Date
    var expires: Date
    /// The scopes the customer gave, so staff know what they may say (never a name they did not
    /// share); nil for a note that is not a customer's (a card marked "do not ask").
    var scopes: [Scope]?

    /// At most this many Unicode scalars of text, and of ID, go out. JSON writes a scalar in at
    /// most 6 bytes (`\u0001`), so one event stays under `TillEvent.maxEncodedBytes` however
    /// long a name or note was (a 20 MB name once went out whole).
    static let maxTextScalars = 480
    static let maxIDScalars = 96

    init(_ prompt: Prompt) {
        self.id = Self.bounded(prompt.id, to: Self.maxIDScalars)
        self.kind = prompt.kind
        self.text = Self.bounded(prompt.text, to: Self.maxTextScalars)
        self.created = prompt.created
        self.expires = prompt.expires
        self.scopes = prompt.scopes?.sorted()
    }

    /// `text` cut to `limit` scalars, the last being an ellipsis when anything was cut. Cut by
    /// scalars, not characters: one character can carry any number of combining marks.
    static func bounded(_ text: String, to limit: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return text }
        var out = String.UnicodeScalarView(scalars.prefix(limit - 1))
        out.append("…")
        return String(out)
    }
}
