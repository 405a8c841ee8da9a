import Foundation
import WelkomCore

/// What a till page receives about a prompt. It deliberately has no customer, scheme or
/// language: the page needs only the line to read, and anything more would put a customer
/// identifier on the wire and in the browser.
struct PromptPayload: Sendable, Codable, Equatable {
    var id: String
    var kind: PromptKind
    var text: String
    var created: Date
    var expires: Date

    init(_ prompt: Prompt) {
        self.id = prompt.id
        self.kind = prompt.kind
        self.text = prompt.text
        self.created = prompt.created
        self.expires = prompt.expires
    }
}
