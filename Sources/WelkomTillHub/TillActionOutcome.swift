/// What became of a press of Acknowledge or Dismiss.
enum TillActionOutcome: Sendable, Equatable {
    /// Recorded, and the prompt is gone.
    case done
    /// No such prompt on that till (already handled, expired, or never there).
    case unknownPrompt
    /// Another press on the same prompt is being recorded.
    case inProgress
    /// `onAction` threw: nothing recorded, the prompt stays.
    case notRecorded
}
