import WelkomCore

/// A prompt's place: prompt IDs are unique per till.
struct PromptKey: Hashable, Sendable {
    var till: TillID
    var promptID: String
}
