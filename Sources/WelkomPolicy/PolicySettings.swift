import WelkomCore
import struct Foundation.TimeInterval

/// What the policy needs from the config.
public struct PolicySettings: Sendable, Equatable {
    /// A customer is greeted at most once in this long: one visit, one greeting.
    public var greetingCooldown: TimeInterval
    /// How long a prompt stays on the till page if nobody handles it.
    public var promptLifetime: TimeInterval
    /// Where prompts go when the sighting did not say which till (radio without zones).
    public var defaultTill: TillID

    public init(greetingCooldown: TimeInterval = 30 * 60, promptLifetime: TimeInterval = 120, defaultTill: TillID = "1") {
        self.greetingCooldown = greetingCooldown
        self.promptLifetime = promptLifetime
        self.defaultTill = defaultTill
    }
}
