import Foundation
import WelkomConfig
import WelkomCore
import WelkomPolicy

/// The config's `[policy]`, `[templates]`, `[[offer]]` and `[[till]]` as the policy stage's
/// settings. The config has already checked every value; what cannot be converted is left out.
enum PolicyConfiguration {
    static func settings(from config: WelkomConfig) -> WelkomPolicy.PolicySettings {
        let p = config.policy
        let zone = p.timeZone.isEmpty ? TimeZone.current : (TimeZone(identifier: p.timeZone) ?? .current)
        let t = config.templates
        return WelkomPolicy.PolicySettings(
            cooldowns: [.greeting: TimeInterval(p.greetingCooldownMinutes * 60),
                        .note: TimeInterval(p.noteCooldownMinutes * 60),
                        .offer: TimeInterval(p.offerCooldownMinutes * 60)],
            promptLifetime: TimeInterval(p.promptLifetimeSeconds),
            tills: config.tills.map(\.id),
            quietHours: p.quietHoursMinutes.flatMap { QuietHours(start: $0.start, end: $0.end) },
            timeZone: zone,
            maxOffers: p.maxOffers,
            offers: config.offers.map(offer),
            templates: PromptTemplates(
                greetingNamed: [.nl: t.greetingNamedNL, .en: t.greetingNamedEN],
                greeting: [.nl: t.greetingNL, .en: t.greetingEN],
                offer: [.nl: t.offerNL, .en: t.offerEN],
                note: [.nl: t.noteNL, .en: t.noteEN]))
    }

    private static func offer(_ o: OfferSettings) -> Offer {
        var text: [Language: String] = [:]
        if !o.textNL.isEmpty { text[.nl] = o.textNL }
        if !o.textEN.isEmpty { text[.en] = o.textEN }
        return Offer(id: o.id, text: text, validFrom: CalendarDay(o.validFrom), validUntil: CalendarDay(o.validUntil),
                     tags: Set(o.tags))
    }
}
