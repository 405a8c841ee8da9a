/// What the agent made of a card a reader delivered, handed back to the reader so it can tell
/// the customer (the ACR122U's LED and buzzer). Never says who: only whether.
public enum ReaderVerdict: Sendable, Equatable {
    /// An opted-in customer's card.
    case recognised
    /// A card nobody enrolled (or recognition is off): the reader signals a refusal.
    case notRecognised
}
