import XCTest
import WelkomCore
import WelkomLedger
import WelkomRegistry
@testable import WelkomAgent

/// The pipeline holds no profiles of its own: it reads a recognised customer's from the registry
/// (ProfileCache). What it shows must follow the registry, and a customer the registry no longer
/// holds gets nothing, even before the tables have caught up.
extension PipelineTests {
    func testAReEnrolmentsNewNameIsShownAfterTheReload() async throws {
        let rig = try await makeRig(greetEverySighting: true)
        await rig.pipeline.handle(annaSighting())
        var shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown.map(\.text), ["Welkom terug, Anna"])
        try await ConsentRegistry(dataDirectory: dir).enroll(Enrolment(
            customer: "anna", scopes: [.greeting, .name], name: "Annie", language: .nl, beaconKey: annaKey, cards: [],
            expires: nil, consentTextVersion: "v1", note: nil))
        try await rig.pipeline.reloadConsents(at: Date())
        await rig.pipeline.handle(annaSighting())
        shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown.last?.text, "Welkom terug, Annie", "the cached profile must not outlive the change")
    }

    func testACustomerGoneFromTheRegistryGetsNoPromptBeforeTheTablesCatchUp() async throws {
        let rig = try await makeRig()
        // Withdrawn in the registry by another process; this agent has not applied it yet.
        let withdrawn = try await ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna")
        XCTAssertTrue(withdrawn)
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown, [])
        let count = try await rig.ledger.count()
        XCTAssertEqual(count, 0, "no ledger entry names a customer whose consent is gone")
    }

    func testAWithdrawalForgetsTheCachedProfile() async throws {
        let rig = try await makeRig(greetEverySighting: true)
        await rig.pipeline.handle(annaSighting())
        let registry = try ConsentRegistry(dataDirectory: dir)
        _ = try await registry.withdraw(customer: "anna")
        await rig.pipeline.applyWithdrawal(of: "anna")
        // Enrolled again without a name: the old one must not come back from a cache.
        try await registry.enroll(Enrolment(
            customer: "anna", scopes: [.greeting], name: nil, language: .nl, beaconKey: annaKey, cards: [],
            expires: nil, consentTextVersion: "v1", note: nil))
        try await rig.pipeline.reloadConsents(at: Date())
        await rig.pipeline.handle(annaSighting())
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown.count, 1)
        XCTAssertFalse(shown.contains { $0.text.contains("Anna") }, "\(shown.map(\.text))")
    }
}
