import WelkomCore
import struct Foundation.TimeInterval
import struct Foundation.TimeZone

/// What the policy needs from the config.
public struct PolicySettings: Sendable, Equatable {
    /// A customer sees a prompt of one kind at most once in this long (one visit, one greeting;
    /// offers less often still). A kind missing here has no cool-down.
    public var cooldowns: [PromptKind: TimeInterval]
    /// How long a prompt stays on the till page if nobody handles it.
    public var promptLifetime: TimeInterval
    /// The configured tills, in config order. A recognition naming one of these goes there;
    /// any other (radio without zones) goes to the first.
    public var tills: [TillID]
    /// No prompts at all in these hours of the local day (nil: none).
    public var quietHours: QuietHours?
    /// What "local" means for quiet hours and offer dates.
    public var timeZone: TimeZone
    /// At most this many offers per recognition, the earliest-ending first.
    public var maxOffers: Int
    /// The offers that may be shown (each only while valid, only to customers it targets).
    public var offers: [Offer]
    /// The words of each kind of prompt, per language.
    public var templates: PromptTemplates
    /// Staff notes at all (`policy.notes`): false makes no note prompt, whatever the scopes.
    public var notes: Bool

    public init(cooldowns: [PromptKind: TimeInterval] = PolicySettings.defaultCooldowns,
                promptLifetime: TimeInterval = 120,
                tills: [TillID] = ["1"],
                quietHours: QuietHours? = nil,
                timeZone: TimeZone = .current,
                maxOffers: Int = 2,
                offers: [Offer] = [],
                templates: PromptTemplates = .defaults,
                notes: Bool = true) {
        self.notes = notes
        self.cooldowns = cooldowns
        self.promptLifetime = promptLifetime
        self.tills = tills.isEmpty ? ["1"] : tills
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.maxOffers = max(0, maxOffers)
        self.offers = offers
        self.templates = templates
    }

    /// The earlier spelling: one greeting cool-down and one default till.
    public init(greetingCooldown: TimeInterval, promptLifetime: TimeInterval = 120, defaultTill: TillID = "1") {
        var cooldowns = Self.defaultCooldowns
        cooldowns[.greeting] = greetingCooldown
        self.init(cooldowns: cooldowns, promptLifetime: promptLifetime, tills: [defaultTill])
    }

    public init(promptLifetime: TimeInterval, defaultTill: TillID = "1") {
        self.init(promptLifetime: promptLifetime, tills: [defaultTill])
    }

    public init(defaultTill: TillID) {
        self.init(tills: [defaultTill])
    }

    /// Greeting and note once per visit (30 min), an offer at most every 4 hours.
    public static let defaultCooldowns: [PromptKind: TimeInterval] = [.greeting: 30 * 60, .note: 30 * 60, .offer: 4 * 3600]

    /// Where prompts go when the recognition did not name a configured till.
    public var defaultTill: TillID { tills.first ?? "1" }
}
