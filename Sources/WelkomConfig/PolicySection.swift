/// `[policy]`: when a recognised customer leads to a prompt, and for how long it shows.
public struct PolicySection: Sendable, Equatable {
    /// `greeting_cooldown_minutes`: a customer is not greeted again within this time, so one
    /// visit gives one greeting however often the radio hears them. 0…1440 (a day).
    public var greetingCooldownMinutes: Int
    /// `prompt_lifetime_seconds`: a prompt nobody acknowledges leaves the till page after
    /// this long. 1…3600.
    public var promptLifetimeSeconds: Int
    /// `note_cooldown_minutes`: the staff note shows at most once in this time. 0…1440.
    public var noteCooldownMinutes: Int
    /// `notes`: whether staff notes are shown at all. A note is free text that may hold special
    /// categories of data (art. 9: "allergic to nuts" is health data); a shop that does not want
    /// that processing turns notes off, and no note prompt is ever made.
    public var notes: Bool
    /// `offer_cooldown_minutes`: offers show to a customer at most once in this time. 0…10080 (a week).
    public var offerCooldownMinutes: Int
    /// `max_offers`: at most this many offers per recognition (0 turns offers off). 0…10.
    public var maxOffers: Int
    /// `quiet_hours`: "HH:MM-HH:MM" in local time (may wrap past midnight), no prompts then; "" = none.
    public var quietHours: String
    /// `time_zone`: an IANA zone such as "Europe/Amsterdam" for quiet hours and offer dates; "" = the system's.
    public var timeZone: String

    public static let greetingCooldownRange = 0...1440
    public static let promptLifetimeRange = 1...3600
    public static let noteCooldownRange = 0...1440
    public static let offerCooldownRange = 0...10080
    public static let maxOffersRange = 0...10

    public init(greetingCooldownMinutes: Int = 30, promptLifetimeSeconds: Int = 120, noteCooldownMinutes: Int = 30,
                offerCooldownMinutes: Int = 240, maxOffers: Int = 2, quietHours: String = "", timeZone: String = "",
                notes: Bool = true) {
        self.notes = notes
        self.greetingCooldownMinutes = greetingCooldownMinutes
        self.promptLifetimeSeconds = promptLifetimeSeconds
        self.noteCooldownMinutes = noteCooldownMinutes
        self.offerCooldownMinutes = offerCooldownMinutes
        self.maxOffers = maxOffers
        self.quietHours = quietHours
        self.timeZone = timeZone
    }

    public var greetingCooldown: Duration { .seconds(greetingCooldownMinutes * 60) }
    public var promptLifetime: Duration { .seconds(promptLifetimeSeconds) }

    /// `quiet_hours` as minutes after local midnight (start included, end not); nil for "".
    public var quietHoursMinutes: (start: Int, end: Int)? {
        try? Self.parseQuietHours(quietHours).get()
    }

    /// "22:00-07:00" → (1320, 420). "" is no quiet hours (nil).
    static func parseQuietHours(_ text: String) -> Result<(start: Int, end: Int)?, QuietHoursProblem> {
        let trimmed = text.filter { $0 != " " }
        if trimmed.isEmpty { return .success(nil) }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minute(parts[0]), let end = minute(parts[1]) else {
            return .failure(QuietHoursProblem(message:
                "expected \"HH:MM-HH:MM\" in local time (such as \"22:00-07:00\"), or \"\" for none; found \(TOMLWriter.quoted(text))"))
        }
        guard start != end else {
            return .failure(QuietHoursProblem(message: "start and end are the same (\(TOMLWriter.quoted(text))); write \"\" for no quiet hours"))
        }
        return .success((start, end))
    }

    private static func minute(_ s: Substring) -> Int? {
        let hm = s.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, (1...2).contains(hm[0].count), hm[1].count == 2,
              hm.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }

    struct QuietHoursProblem: Error {
        var message: String
    }
}

extension PolicySection {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.integer("greeting_cooldown_minutes", in: Self.greetingCooldownRange) { greetingCooldownMinutes = v }
        if let v = s.integer("prompt_lifetime_seconds", in: Self.promptLifetimeRange) { promptLifetimeSeconds = v }
        if let v = s.integer("note_cooldown_minutes", in: Self.noteCooldownRange) { noteCooldownMinutes = v }
        if let v = s.bool("notes") { notes = v }
        if let v = s.integer("offer_cooldown_minutes", in: Self.offerCooldownRange) { offerCooldownMinutes = v }
        if let v = s.integer("max_offers", in: Self.maxOffersRange) { maxOffers = v }
        if let v = s.string("quiet_hours") {
            switch Self.parseQuietHours(v) {
            case .success: quietHours = v
            case .failure(let problem): s.report("quiet_hours", problem.message)
            }
        }
        if let v = s.string("time_zone") {
            if v.isEmpty || PolicyTimeZone.isKnown(v) {
                timeZone = v
            } else {
                s.report("time_zone", "unknown time zone \(TOMLWriter.quoted(v)); expected an IANA name such as \"Europe/Amsterdam\", or \"\" for the system's")
            }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("policy")
        w.key("greeting_cooldown_minutes", greetingCooldownMinutes)
        w.key("prompt_lifetime_seconds", promptLifetimeSeconds)
        w.key("note_cooldown_minutes", noteCooldownMinutes)
        w.key("notes", notes)
        w.key("offer_cooldown_minutes", offerCooldownMinutes)
        w.key("max_offers", maxOffers)
        w.key("quiet_hours", quietHours)
        w.key("time_zone", timeZone)
    }
}
