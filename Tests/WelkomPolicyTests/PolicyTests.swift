import XCTest
import WelkomCore
@testable import WelkomPolicy

final class PolicyTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func recognition(_ customer: String = "anna", at t: Date? = nil, till: String? = nil) -> Recognition {
        Recognition(customer: customer, scheme: .wlk1, time: t ?? t0, till: till)
    }

    func profile(_ scopes: Set<Scope>, name: String? = "Anna", language: Language = .nl) -> CustomerProfile {
        CustomerProfile(customer: "anna", name: name, language: language, scopes: scopes)
    }

    func testNameOnlyWithNameScope() {
        var p = Policy(settings: .init())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting, .name]))?.text, "Welkom terug, Anna")
        var q = Policy(settings: .init())
        let prompt = q.decide(recognition(), profile: profile([.greeting]))
        XCTAssertEqual(prompt?.text, "Welkom terug — vaste klant")
        XCTAssertFalse(prompt?.text.contains("Anna") ?? true)
    }

    func testEnglish() {
        var p = Policy(settings: .init())
        XCTAssertEqual(p.decide(recognition(), profile: profile([.greeting, .name], language: .en))?.text, "Welcome back, Anna")
    }

    func testNoGreetingScopeNoPrompt() {
        var p = Policy(settings: .init())
        XCTAssertNil(p.decide(recognition(), profile: profile([.name, .offers, .notes])))
    }

    func testCooldownOneGreetingPerVisit() {
        var p = Policy(settings: .init(greetingCooldown: 1800))
        XCTAssertNotNil(p.decide(recognition(), profile: profile([.greeting])))
        XCTAssertNil(p.decide(recognition(at: t0.addingTimeInterval(60)), profile: profile([.greeting])))
        XCTAssertNil(p.decide(recognition(at: t0.addingTimeInterval(1799)), profile: profile([.greeting])))
        XCTAssertNotNil(p.decide(recognition(at: t0.addingTimeInterval(1800)), profile: profile([.greeting])))
    }

    func testForgetAfterLedgerFailureAllowsRetry() {
        var p = Policy(settings: .init())
        let prompt = p.decide(recognition(), profile: profile([.greeting]))!
        p.forget(prompt)
        XCTAssertNotNil(p.decide(recognition(at: t0.addingTimeInterval(1)), profile: profile([.greeting])))
    }

    func testRoutingAndExpiry() {
        var p = Policy(settings: .init(promptLifetime: 90, defaultTill: "1"))
        let routed = p.decide(recognition(till: "3"), profile: profile([.greeting]))!
        XCTAssertEqual(routed.till, "3")
        XCTAssertEqual(routed.expires, t0.addingTimeInterval(90))
        var q = Policy(settings: .init(defaultTill: "1"))
        XCTAssertEqual(q.decide(recognition(), profile: profile([.greeting]))?.till, "1")
    }

    func testProfileOfAnotherCustomerIsRefused() {
        var p = Policy(settings: .init())
        XCTAssertNil(p.decide(recognition("ben"), profile: profile([.greeting, .name])))
    }
}
