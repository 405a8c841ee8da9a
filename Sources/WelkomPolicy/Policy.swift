import WelkomCore
import Foundation

/// Decides what, if anything, a recognition puts in front of staff: a greeting (scope
/// `greeting`, the name only with `name`), offers from the catalogue (scope `offers`, valid
/// today, targeting the customer's tags) and the staff note (scope `notes`) — only within the
/// customer's consent scopes (docs/privacy-invariants.md, invariant 5), with cool-downs per customer and kind, never
/// in quiet hours, at the recognition's till (else the first till), each with an expiry.
///
/// Pure apart from its memory of recent prompts (customer and kind → when), which holds
/// opted-in customers only and lives in memory. Time comes from the recognition, never the clock.
public struct Policy: Sendable {
    public var settings: PolicySettings
    private var lastShown: [CooldownKey: Date] = [:]

    public init(settings: PolicySettings) {
        self.settings = settings
    }

    /// The prompts for this recognition, in the order staff should read them: greeting, note,
    /// offers. Empty when nothing is allowed, due, or wanted now.
    ///
    /// The caller records each prompt in the ledger before showing it; a prompt that could not
    /// be recorded is handed to `forget(_:)` so that a later sighting may try again.
    public mutating func decide(_ recognition: Recognition, profile: CustomerProfile) -> [Prompt] {
        guard profile.customer == recognition.customer else { return [] }
        let time = recognition.time
        if let quiet = settings.quietHours, quiet.contains(minuteOfDay: minuteOfDay(time)) { return [] }
        let scopes = profile.scopes
        let language = profile.language
        var made: [(PromptKind, String)] = []

        if scopes.contains(.greeting), isDue(.greeting, recognition) {
            let name = scopes.contains(.name) ? profile.name.flatMap { $0.isBlank ? nil : $0 } : nil
            made.append((.greeting, settings.templates.greetingText(language: language, name: name)))
        }
        if settings.notes, scopes.contains(.notes), let note = profile.note, !note.isBlank, isDue(.note, recognition) {
            made.append((.note, settings.templates.noteText(language: language, note: note)))
        }
        if scopes.contains(.offers), settings.maxOffers > 0, isDue(.offer, recognition) {
            let today = CalendarDay(time, in: settings.timeZone)
            let offers = settings.offers
                .filter { $0.isValid(on: today) && $0.targets(profile.tags) }
                // Offers about to end first: they are the ones staff must not miss.
                .sorted { ($0.validUntil ?? .distant, $0.id) < ($1.validUntil ?? .distant, $1.id) }
                .prefix(settings.maxOffers)
            for offer in offers {
                guard let text = offer.text(in: language) else { continue }
                made.append((.offer, settings.templates.offerText(language: language, offer: text)))
            }
        }

        let till = recognition.till.flatMap { settings.tills.contains($0) ? $0 : nil } ?? settings.defaultTill
        return made.map { kind, text in
            lastShown[CooldownKey(customer: recognition.customer, kind: kind)] = time
            return Prompt(id: UUID().uuidString.lowercased(), kind: kind, customer: recognition.customer, till: till,
                          scheme: recognition.scheme, language: language, text: text, created: time,
                          expires: time.addingTimeInterval(settings.promptLifetime))
        }
    }

    /// Undoes the cool-down of a prompt that was never shown (its ledger entry failed).
    public mutating func forget(_ prompt: Prompt) {
        let key = CooldownKey(customer: prompt.customer, kind: prompt.kind)
        if lastShown[key] == prompt.created { lastShown[key] = nil }
    }

    /// Drops what the policy remembers of a customer (withdrawal).
    public mutating func forget(customer: CustomerID) {
        lastShown = lastShown.filter { $0.key.customer != customer }
    }

    /// New settings (a reloaded config: offers, templates, tills, cool-downs) with the memory of
    /// what was shown kept, so a reload never greets again someone greeted a minute ago. A
    /// cool-down that got shorter or longer applies to the prompts already remembered.
    public mutating func replaceSettings(_ settings: PolicySettings) {
        self.settings = settings
    }

    /// How many (customer, kind) cool-downs are remembered (for tests and a gauge).
    public var rememberedCount: Int { lastShown.count }

    /// Drops memories older than their cool-down, so the map does not grow over months.
    public mutating func sweep(now: Date) {
        lastShown = lastShown.filter { now.timeIntervalSince($0.value) < cooldown($0.key.kind) }
    }

    private func cooldown(_ kind: PromptKind) -> TimeInterval {
        settings.cooldowns[kind] ?? 0
    }

    /// Not shown within its cool-down. A recognition older than the memory (a clock that went
    /// back) counts as due rather than silencing the customer until the clock catches up.
    private func isDue(_ kind: PromptKind, _ recognition: Recognition) -> Bool {
        guard let last = lastShown[CooldownKey(customer: recognition.customer, kind: kind)] else { return true }
        let since = recognition.time.timeIntervalSince(last)
        return since < 0 || since >= cooldown(kind)
    }

    private func minuteOfDay(_ date: Date) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
    }
}

extension CalendarDay {
    /// Sorts after every real day (an offer without an end).
    static let distant = CalendarDay(year: 9999, month: 12, day: 31)!
}

extension String {
    var isBlank: Bool { allSatisfy(\.isWhitespace) }
}
