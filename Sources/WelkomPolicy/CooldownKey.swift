import WelkomCore

/// What a cool-down is kept per: one customer, one kind of prompt.
struct CooldownKey: Hashable, Sendable {
    var customer: CustomerID
    var kind: PromptKind
}
