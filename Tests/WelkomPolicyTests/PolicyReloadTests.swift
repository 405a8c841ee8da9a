import XCTest
import WelkomCore
@testable import WelkomPolicy

/// A reloaded config gives the policy new settings; what it remembers of prompts shown stays.
final class PolicyReloadTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let anna = CustomerProfile(customer: "anna", name: "Anna", language: .en, scopes: [.greeting, .offers], tags: ["coffee"])

    func settings(offerText: String, tills: [TillID] = ["1"], greetingCooldown: TimeInterval = 1800) -> PolicySettings {
        PolicySettings(cooldowns: [.greeting: greetingCooldown, .note: 1800, .offer: 3600], promptLifetime: 120, tills: tills,
                       quietHours: nil, timeZone: TimeZone(identifier: "UTC")!, maxOffers: 2,
                       offers: [Offer(id: "coffee", text: [.en: offerText], validFrom: nil, validUntil: nil, tags: ["coffee"])],
                       templates: .defaults)
    }

    func recognition(at seconds: TimeInterval, customer: CustomerID = "anna", till: TillID? = nil) -> Recognition {
        Recognition(customer: customer, scheme: .wlk1, time: t0.addingTimeInterval(seconds), till: till)
    }

    func testCooldownsSurviveNewSettings() {
        var policy = Policy(settings: settings(offerText: "Old coffee"))
        XCTAssertEqual(policy.decide(recognition(at: 0), profile: anna).map(\.kind), [.greeting, .offer])
        policy.replaceSettings(settings(offerText: "New coffee"))
        XCTAssertEqual(policy.rememberedCount, 2)
        XCTAssertEqual(policy.decide(recognition(at: 60), profile: anna), [], "greeted a minute ago: not again after a reload")
        let ben = CustomerProfile(customer: "ben", name: nil, language: .en, scopes: [.offers], tags: ["coffee"])
        XCTAssertTrue(policy.decide(recognition(at: 61, customer: "ben"), profile: ben).map(\.text)
            .contains { $0.contains("New coffee") }, "someone new gets the new offer text")
    }

    func testNewCooldownLengthsApplyToRememberedPrompts() {
        var policy = Policy(settings: settings(offerText: "x", greetingCooldown: 1800))
        XCTAssertEqual(policy.decide(recognition(at: 0), profile: anna).count, 2)
        policy.replaceSettings(settings(offerText: "x", greetingCooldown: 300))
        XCTAssertEqual(policy.decide(recognition(at: 299), profile: anna), [])
        XCTAssertEqual(policy.decide(recognition(at: 300), profile: anna).map(\.kind), [.greeting])
    }

    func testTillsChangeRouting() {
        var policy = Policy(settings: settings(offerText: "x", tills: ["1", "2"]))
        XCTAssertEqual(policy.decide(recognition(at: 0, till: "2"), profile: anna).first?.till, "2")
        policy.replaceSettings(settings(offerText: "x", tills: ["1"]))
        let later = policy.decide(recognition(at: 4000, till: "2"), profile: anna)
        XCTAssertEqual(Set(later.map(\.till)), ["1"], "a till gone from the config falls back to the first")
    }
}
