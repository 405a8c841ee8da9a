/// `[policy]`: when a recognised customer leads to a prompt, and for how long it shows.
public struct PolicySettings: Sendable, Equatable {
    /// `greeting_cooldown_minutes`: a customer is not greeted again within this time, so one
    /// visit gives one greeting however often the radio hears them. 0…1440 (a day).
    public var greetingCooldownMinutes: Int
    /// `prompt_lifetime_seconds`: a prompt nobody acknowledges leaves the till page after
    /// this long. 1…3600.
    public var promptLifetimeSeconds: Int

    public static let greetingCooldownRange = 0...1440
    public static let promptLifetimeRange = 1...3600

    public init(greetingCooldownMinutes: Int = 30, promptLifetimeSeconds: Int = 120) {
        self.greetingCooldownMinutes = greetingCooldownMinutes
        self.promptLifetimeSeconds = promptLifetimeSeconds
    }

    public var greetingCooldown: Duration { .seconds(greetingCooldownMinutes * 60) }
    public var promptLifetime: Duration { .seconds(promptLifetimeSeconds) }
}

extension PolicySettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.integer("greeting_cooldown_minutes", in: Self.greetingCooldownRange) { greetingCooldownMinutes = v }
        if let v = s.integer("prompt_lifetime_seconds", in: Self.promptLifetimeRange) { promptLifetimeSeconds = v }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("policy")
        w.key("greeting_cooldown_minutes", greetingCooldownMinutes)
        w.key("prompt_lifetime_seconds", promptLifetimeSeconds)
    }
}
