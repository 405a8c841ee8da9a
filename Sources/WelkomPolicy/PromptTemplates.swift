import Foundation
import WelkomCore

/// The words of each kind of prompt, per language, which a retailer may change in the config.
///
/// Placeholders: `{name}` only in the named greeting (chosen only under the `name` scope, so
/// no other template can leak a name), `{offer}` in the offer template, `{note}` in the note
/// template. The config check refuses a `{name}` anywhere else.
public struct PromptTemplates: Sendable, Equatable {
    public var greetingNamed: [Language: String]
    public var greeting: [Language: String]
    public var offer: [Language: String]
    public var note: [Language: String]

    public init(greetingNamed: [Language: String], greeting: [Language: String],
                offer: [Language: String], note: [Language: String]) {
        self.greetingNamed = greetingNamed
        self.greeting = greeting
        self.offer = offer
        self.note = note
    }

    public static let defaults = PromptTemplates(
        greetingNamed: [.nl: "Welkom terug, {name}", .en: "Welcome back, {name}"],
        greeting: [.nl: "Welkom terug — vaste klant", .en: "Welcome back — regular customer"],
        offer: [.nl: "{offer}", .en: "{offer}"],
        note: [.nl: "{note}", .en: "{note}"])

    func greetingText(language: Language, name: String?) -> String {
        if let name {
            return Self.fill(pick(greetingNamed, language, Self.defaults.greetingNamed), "{name}", name)
        }
        return pick(greeting, language, Self.defaults.greeting)
    }

    func offerText(language: Language, offer text: String) -> String {
        Self.fill(pick(offer, language, Self.defaults.offer), "{offer}", text)
    }

    func noteText(language: Language, note text: String) -> String {
        Self.fill(pick(note, language, Self.defaults.note), "{note}", text)
    }

    private func pick(_ table: [Language: String], _ language: Language, _ fallback: [Language: String]) -> String {
        table[language] ?? fallback[language] ?? ""
    }

    /// Fills one placeholder. The value goes in once, unexamined, so a `{note}` inside a staff
    /// note stays text and cannot pull in another placeholder.
    private static func fill(_ template: String, _ placeholder: String, _ value: String) -> String {
        template.replacingOccurrences(of: placeholder, with: value)
    }
}
