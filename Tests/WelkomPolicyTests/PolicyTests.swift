import XCTest
import WelkomCore
@testable import WelkomPolicy

final class PolicyTests: XCTestCase {
    /// 2023-11-14 22:13:20 UTC.
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let utc = TimeZone(identifier: "UTC")!

    func recognition(_ customer: String = "anna", at t: Date? = nil, till: String? = nil) -> Recognition {
        Recognition(customer: customer, scheme: .wlk1, time: t ?? t0, till: till)
    }

    func profile(_ scopes: Set<Scope>, name: String? = "Anna", language: Language = .nl,
                 note: String? = nil, tags: Set<String> = []) -> CustomerProfile {
        CustomerProfile(customer: "anna", name: name, language: language, scopes: scopes, note: note, tags: tags)
    }

    func settings(tills: [TillID] = ["1"], offers: [Offer] = [], quiet: QuietHours? = nil,
                  cooldowns: [PromptKind: TimeInterval] = PolicySettings.defaultCooldowns,
                  maxOffers: Int = 2, templates: PromptTemplates = .defaults) -> PolicySettings {
        PolicySettings(cooldowns: cooldowns, promptLifetime: 120, tills: tills, quietHours: quiet, timeZone: utc,
                       maxOffers: maxOffers, offers: offers, templates: templates)
    }

    let coffee = Offer(id: "coffee", text: [.nl: "2e koffie gratis", .en: "Second coffee free"],
                       validFrom: CalendarDay("2023-11-01"), validUntil: CalendarDay("2023-11-30"), tags: ["coffee"])

    func kinds(_ prompts: [Prompt]) -> [PromptKind] { prompts.map(\.kind) }

    // MARK: Scopes (invariant 5)

    func testNameOnlyWithNameScope() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting, .name])).map(\.text), ["Welkom terug, Anna"])
        var q = Policy(settings: settings())
        let prompts = q.decide(recognition(), profile: profile([.greeting]))
        XCTAssertEqual(prompts.map(\.text), ["Welkom terug — vaste klant"])
        XCTAssertFalse(prompts.contains { $0.text.contains("Anna") })
    }

    func testEnglish() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting, .name], language: .en)).map(\.text),
                       ["Welcome back, Anna"])
    }

    func testNoGreetingWithoutGreetingScope() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.name])), [])
    }

    func testNoOfferWithoutOffersScope() {
        var p = Policy(settings: settings(offers: [coffee]))
        let prompts = p.decide(recognition(), profile: profile([.greeting, .name, .notes], note: "n", tags: ["coffee"]))
        XCTAssertEqual(kinds(prompts), [.greeting, .note])
    }

    func testNoNoteWithoutNotesScope() {
        var p = Policy(settings: settings(offers: [coffee]))
        let prompts = p.decide(recognition(), profile: profile([.greeting, .offers], note: "Geen Air Miles vragen", tags: ["coffee"]))
        XCTAssertEqual(kinds(prompts), [.greeting, .offer])
        XCTAssertFalse(prompts.contains { $0.text.contains("Air Miles") })
    }

    /// `policy.notes = false` (issue 12, finding 5): no note prompt, whatever the scopes.
    func testNotesSwitchedOffShowNoNoteWhateverTheScopes() {
        var settings = settings(offers: [coffee])
        settings.notes = false
        var p = Policy(settings: settings)
        let prompts = p.decide(recognition(), profile: profile(Set(Scope.allCases), note: "allergic to nuts", tags: ["coffee"]))
        XCTAssertEqual(kinds(prompts), [.greeting, .offer])
        XCTAssertFalse(prompts.contains { $0.text.contains("nuts") })
        var notesOnly = Policy(settings: settings)
        XCTAssertEqual(notesOnly.decide(recognition(), profile: profile([.notes], note: "allergic to nuts")), [])
    }

    func testEveryKindAtOnceEachItsOwnPrompt() {
        var p = Policy(settings: settings(offers: [coffee]))
        let prompts = p.decide(recognition(), profile: profile(Set(Scope.allCases), note: "Liever geen Air Miles-vraag",
                                                               tags: ["coffee"]))
        XCTAssertEqual(kinds(prompts), [.greeting, .note, .offer])
        XCTAssertEqual(prompts.map(\.text), ["Welkom terug, Anna", "Liever geen Air Miles-vraag", "2e koffie gratis"])
        XCTAssertEqual(Set(prompts.map(\.id)).count, 3)
    }

    func testNotesOnlyWithoutGreetingScopeStillShowsTheNote() {
        var p = Policy(settings: settings())
        XCTAssertEqual(kinds(p.decide(recognition(), profile: profile([.notes], note: "Rolstoel"))), [.note])
        var q = Policy(settings: settings())
        XCTAssertEqual(q.decide(recognition(), profile: profile([.notes], note: "  ")), [], "a blank note is no note")
    }

    func testProfileOfAnotherCustomerIsRefused() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition("ben"), profile: profile([.greeting, .name])), [])
    }

    // MARK: Offers

    func testOfferOnlyWhileValid() {
        let days: [(String, Bool)] = [("2023-10-31", false), ("2023-11-01", true), ("2023-11-30", true), ("2023-12-01", false)]
        for (day, shown) in days {
            var p = Policy(settings: settings(offers: [coffee]))
            let at = ISO8601DateFormatter().date(from: day + "T12:00:00Z")!
            XCTAssertEqual(kinds(p.decide(recognition(at: at), profile: profile([.offers], tags: ["coffee"]))),
                           shown ? [.offer] : [], day)
        }
    }

    func testOfferDatesAreLocalDays() {
        // 23:30 UTC on the 30th is already 1 December in Amsterdam: the offer has ended there.
        let at = ISO8601DateFormatter().date(from: "2023-11-30T23:30:00Z")!
        var s = settings(offers: [coffee])
        var utcPolicy = Policy(settings: s)
        XCTAssertEqual(kinds(utcPolicy.decide(recognition(at: at), profile: profile([.offers], tags: ["coffee"]))), [.offer])
        s.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        var nlPolicy = Policy(settings: s)
        XCTAssertEqual(nlPolicy.decide(recognition(at: at), profile: profile([.offers], tags: ["coffee"])), [])
    }

    func testOfferOnlyForMatchingTags() {
        let everyone = Offer(id: "all", text: [.nl: "Voor iedereen"])
        var p = Policy(settings: settings(offers: [coffee, everyone]))
        XCTAssertEqual(p.decide(recognition(), profile: profile([.offers], tags: ["tea"])).map(\.text), ["Voor iedereen"])
        var q = Policy(settings: settings(offers: [coffee, everyone]))
        XCTAssertEqual(Set(q.decide(recognition(), profile: profile([.offers], tags: ["tea", "coffee"])).map(\.text)),
                       ["Voor iedereen", "2e koffie gratis"])
    }

    func testAtMostMaxOffersEndingSoonestFirst() {
        let a = Offer(id: "a", text: [.nl: "A"], validUntil: CalendarDay("2024-06-01"))
        let b = Offer(id: "b", text: [.nl: "B"], validUntil: CalendarDay("2023-12-01"))
        let c = Offer(id: "c", text: [.nl: "C"])
        var p = Policy(settings: settings(offers: [a, b, c], maxOffers: 2))
        XCTAssertEqual(p.decide(recognition(), profile: profile([.offers])).map(\.text), ["B", "A"])
    }

    func testOfferFallsBackToTheOtherLanguage() {
        let dutchOnly = Offer(id: "nl", text: [.nl: "Alleen Nederlands"])
        var p = Policy(settings: settings(offers: [dutchOnly]))
        XCTAssertEqual(p.decide(recognition(), profile: profile([.offers], language: .en)).map(\.text), ["Alleen Nederlands"])
    }

    // MARK: Templates

    func testRetailerTemplates() {
        let templates = PromptTemplates(
            greetingNamed: [.nl: "Hoi {name}!", .en: "Hi {name}!"], greeting: [.nl: "Hoi!", .en: "Hi!"],
            offer: [.nl: "Aanbieding: {offer}", .en: "Offer: {offer}"], note: [.nl: "Let op: {note}", .en: "Mind: {note}"])
        var p = Policy(settings: settings(offers: [coffee], templates: templates))
        XCTAssertEqual(p.decide(recognition(), profile: profile(Set(Scope.allCases), language: .en, note: "{name}",
                                                                tags: ["coffee"])).map(\.text),
                       ["Hi Anna!", "Mind: {name}", "Offer: Second coffee free"])
        var q = Policy(settings: settings(templates: templates))
        XCTAssertEqual(q.decide(recognition(), profile: profile([.greeting])).map(\.text), ["Hoi!"])
    }

    // MARK: Cool-downs

    func testCooldownOneGreetingPerVisit() {
        var p = Policy(settings: settings(cooldowns: [.greeting: 1800]))
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting])).count, 1)
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(60)), profile: profile([.greeting])), [])
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(1799)), profile: profile([.greeting])), [])
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(1800)), profile: profile([.greeting])).count, 1)
    }

    func testCooldownsArePerKind() {
        var p = Policy(settings: settings(offers: [coffee], cooldowns: [.greeting: 600, .note: 600, .offer: 3600]))
        let all = profile(Set(Scope.allCases), note: "n", tags: ["coffee"])
        XCTAssertEqual(kinds(p.decide(recognition(), profile: all)), [.greeting, .note, .offer])
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(300)), profile: all), [])
        XCTAssertEqual(kinds(p.decide(recognition(at: t0.addingTimeInterval(600)), profile: all)), [.greeting, .note])
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(1000)), profile: all), [])
        XCTAssertEqual(kinds(p.decide(recognition(at: t0.addingTimeInterval(3600)), profile: all)), [.greeting, .note, .offer])
    }

    func testCooldownsArePerCustomer() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition("anna"), profile: profile([.greeting])).count, 1)
        let ben = CustomerProfile(customer: "ben", name: nil, language: .en, scopes: [.greeting])
        XCTAssertEqual(p.decide(recognition("ben"), profile: ben).count, 1)
        XCTAssertEqual(p.decide(recognition("anna"), profile: profile([.greeting])), [])
    }

    func testForgetAfterLedgerFailureAllowsRetry() {
        var p = Policy(settings: settings())
        let prompt = p.decide(recognition(), profile: profile([.greeting]))[0]
        p.forget(prompt)
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(1)), profile: profile([.greeting])).count, 1)
    }

    func testForgettingEveryUnshownPromptOfARecognition() {
        var p = Policy(settings: settings(offers: [coffee]))
        let all = profile(Set(Scope.allCases), note: "n", tags: ["coffee"])
        let prompts = p.decide(recognition(), profile: all)
        XCTAssertEqual(prompts.count, 3)
        // The ledger took the greeting, then failed: the note and the offer were never shown.
        for unshown in prompts.dropFirst() { p.forget(unshown) }
        XCTAssertEqual(kinds(p.decide(recognition(at: t0.addingTimeInterval(1)), profile: all)), [.note, .offer])
    }

    func testWithdrawalForgetsTheCustomer() {
        var p = Policy(settings: settings())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting])).count, 1)
        p.forget(customer: "anna")
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(1)), profile: profile([.greeting])).count, 1)
    }

    func testSweepKeepsRunningCooldowns() {
        var p = Policy(settings: settings(cooldowns: [.greeting: 1800]))
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting])).count, 1)
        p.sweep(now: t0.addingTimeInterval(60))
        XCTAssertEqual(p.decide(recognition(at: t0.addingTimeInterval(120)), profile: profile([.greeting])), [])
    }

    // MARK: Quiet hours

    func testQuietHoursWrapPastMidnight() {
        let quiet = QuietHours(start: 22 * 60, end: 7 * 60)!
        let cases: [(String, Bool)] = [("21:59", true), ("22:00", false), ("23:59", false), ("00:00", false),
                                       ("06:59", false), ("07:00", true), ("12:00", true)]
        for (clock, shown) in cases {
            var p = Policy(settings: settings(quiet: quiet))
            let at = ISO8601DateFormatter().date(from: "2023-11-14T\(clock):00Z")!
            XCTAssertEqual(p.decide(recognition(at: at), profile: profile([.greeting])).count, shown ? 1 : 0, clock)
        }
    }

    func testQuietHoursWithinOneDayAndNothingRemembered() {
        var p = Policy(settings: settings(quiet: QuietHours(start: 12 * 60, end: 13 * 60)!))
        let noon = ISO8601DateFormatter().date(from: "2023-11-14T12:30:00Z")!
        XCTAssertEqual(p.decide(recognition(at: noon), profile: profile([.greeting])), [])
        // Nothing was shown, so nothing cools down: the first prompt after the quiet hour shows.
        XCTAssertEqual(p.decide(recognition(at: noon.addingTimeInterval(1800)), profile: profile([.greeting])).count, 1)
    }

    func testQuietHoursAreLocal() {
        var s = settings(quiet: QuietHours(start: 22 * 60, end: 7 * 60)!)
        s.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        var p = Policy(settings: s)
        // 21:30 UTC is 22:30 in Amsterdam in November.
        let at = ISO8601DateFormatter().date(from: "2023-11-14T21:30:00Z")!
        XCTAssertEqual(p.decide(recognition(at: at), profile: profile([.greeting])), [])
    }

    func testQuietHoursRefuseNonsense() {
        XCTAssertNil(QuietHours(start: 60, end: 60))
        XCTAssertNil(QuietHours(start: -1, end: 60))
        XCTAssertNil(QuietHours(start: 0, end: 1440))
    }

    // MARK: Expiry and routing

    func testEveryPromptExpires() {
        var p = Policy(settings: settings(offers: [coffee]))
        let prompts = p.decide(recognition(), profile: profile(Set(Scope.allCases), note: "n", tags: ["coffee"]))
        XCTAssertEqual(prompts.count, 3)
        for prompt in prompts {
            XCTAssertEqual(prompt.created, t0)
            XCTAssertEqual(prompt.expires, t0.addingTimeInterval(120))
        }
    }

    func testRoutingByTheRecognitionsTillElseTheFirst() {
        var p = Policy(settings: settings(tills: ["a", "b", "c"]))
        XCTAssertEqual(p.decide(recognition("anna", till: "b"), profile: profile([.greeting])).map(\.till), ["b"])
        var q = Policy(settings: settings(tills: ["a", "b", "c"]))
        XCTAssertEqual(q.decide(recognition(), profile: profile([.greeting])).map(\.till), ["a"])
        var r = Policy(settings: settings(tills: ["a", "b", "c"]))
        XCTAssertEqual(r.decide(recognition(till: "gone"), profile: profile([.greeting])).map(\.till), ["a"],
                       "a till that is not configured falls back to the first")
    }

    func testAllPromptsOfOneRecognitionGoToOneTill() {
        var p = Policy(settings: settings(tills: ["1", "2"], offers: [coffee]))
        let prompts = p.decide(recognition(till: "2"), profile: profile(Set(Scope.allCases), note: "n", tags: ["coffee"]))
        XCTAssertEqual(Set(prompts.map(\.till)), ["2"])
        XCTAssertEqual(Set(prompts.map(\.scheme)), [.wlk1])
    }

    func testCalendarDayParsing() {
        XCTAssertEqual(CalendarDay("2024-02-29")?.description, "2024-02-29")
        XCTAssertNil(CalendarDay("2023-02-29"))
        XCTAssertNil(CalendarDay("2023-1-01"))
        XCTAssertNil(CalendarDay("tomorrow"))
    }
}
