import WelkomCore
import struct Foundation.Date
import struct Foundation.UUID

/// Decides what, if anything, a recognition puts in front of staff — only within the
/// customer's consent scopes (brief, invariant 5), at most once per visit, at the right till.
///
/// Pure apart from its memory of recent greetings (customer → last greeted), which holds
/// opted-in customers only and lives in memory.
public struct Policy: Sendable {
    public var settings: PolicySettings
    private var lastGreeted: [CustomerID: Date] = [:]

    public init(settings: PolicySettings) {
        self.settings = settings
    }

    /// The prompt for this recognition, or nil (no `greeting` scope, or greeted this visit).
    /// The caller records the prompt in the ledger before showing it; if that fails it calls
    /// `forget` so that a later sighting may try again.
    public mutating func decide(_ recognition: Recognition, profile: CustomerProfile) -> Prompt? {
        guard profile.customer == recognition.customer, profile.scopes.contains(.greeting) else { return nil }
        if let last = lastGreeted[recognition.customer],
           recognition.time.timeIntervalSince(last) < settings.greetingCooldown,
           recognition.time >= last {
            return nil
        }
        lastGreeted[recognition.customer] = recognition.time
        let name = profile.scopes.contains(.name) ? profile.name.flatMap { $0.isEmpty ? nil : $0 } : nil
        return Prompt(
            id: UUID().uuidString.lowercased(),
            kind: .greeting,
            customer: recognition.customer,
            till: recognition.till ?? settings.defaultTill,
            scheme: recognition.scheme,
            language: profile.language,
            text: GreetingText.text(language: profile.language, name: name),
            created: recognition.time,
            expires: recognition.time.addingTimeInterval(settings.promptLifetime))
    }

    /// Undoes the cool-down of a prompt that was never shown (its ledger entry failed).
    public mutating func forget(_ prompt: Prompt) {
        if lastGreeted[prompt.customer] == prompt.created { lastGreeted[prompt.customer] = nil }
    }

    /// Drops what the policy remembers of a customer (withdrawal).
    public mutating func forget(customer: CustomerID) {
        lastGreeted[customer] = nil
    }

    /// Drops memories older than the cool-down, so the map does not grow over months.
    public mutating func sweep(now: Date) {
        lastGreeted = lastGreeted.filter { now.timeIntervalSince($0.value) < settings.greetingCooldown }
    }
}
