import XCTest
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry
@testable import WelkomAgent

/// An enrolment reaches a running agent as that one customer, read from the registry and put
/// into the tables in place (ConsentApplier → Pipeline.applyEnrolment), not as a re-read of every
/// consent.
extension PipelineTests {
    private func sighting(_ key: Block128, at time: Date = Date()) -> Sighting {
        Sighting(time: time, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: key, at: time)!),
                 rssi: -50, source: .radio)
    }

    func testAnEnrolmentLoadsItsCustomerAndNoOneElse() async throws {
        let rig = try await makeRig()
        let benKey = Block128(hi: 0xBE, lo: 1), casKey = Block128(hi: 0xCA, lo: 2)
        let registry = try ConsentRegistry(dataDirectory: dir)
        try await registry.enroll(Enrolment(customer: "ben", scopes: [.greeting], beaconKey: benKey))
        try await registry.enroll(Enrolment(customer: "cas", scopes: [.greeting], beaconKey: casKey))
        try await rig.pipeline.applyEnrolment(of: "ben", at: Date())
        let benSeen = await rig.pipeline.handle(sighting(benKey))
        let casSeen = await rig.pipeline.handle(sighting(casKey))
        let annaSeen = await rig.pipeline.handle(annaSighting())
        XCTAssertTrue(benSeen, "the enrolled customer is recognised at the next sighting")
        XCTAssertFalse(casSeen, "only the customer named by the change is read")
        XCTAssertTrue(annaSeen, "the customers loaded before stay")
    }

    func testAReEnrolmentReplacesKeysAndProfileInPlace() async throws {
        let rig = try await makeRig(greetEverySighting: true)
        await rig.pipeline.handle(annaSighting())  // caches her profile
        let newKey = Block128(hi: 0xA2, lo: 0xA2)
        try await ConsentRegistry(dataDirectory: dir).enroll(Enrolment(
            customer: "anna", scopes: [.greeting, .name], name: "Annie", language: .nl, beaconKey: newKey, cards: [],
            expires: nil, consentTextVersion: "v1", note: nil))
        try await rig.pipeline.applyEnrolment(of: "anna", at: Date())
        let oldKeySeen = await rig.pipeline.handle(annaSighting())
        XCTAssertFalse(oldKeySeen, "the replaced key no longer matches")
        let newKeySeen = await rig.pipeline.handle(sighting(newKey))
        XCTAssertTrue(newKeySeen)
        let shown = await rig.hub.activePrompts(till: "1")
        XCTAssertEqual(shown.last?.text, "Welkom terug, Annie", "the cached profile went with the re-enrolment")
    }

    /// Withdrawn before the enrolment was applied: applying it must not bring them back.
    func testAnEnrolmentWhoseConsentIsGoneIsAppliedAsAWithdrawal() async throws {
        let rig = try await makeRig()
        let withdrawn = try await ConsentRegistry(dataDirectory: dir).withdraw(customer: "anna")
        XCTAssertTrue(withdrawn)
        try await rig.pipeline.applyEnrolment(of: "anna", at: Date())
        let seen = await rig.pipeline.handle(annaSighting())
        XCTAssertFalse(seen)
        let count = try await rig.ledger.count()
        XCTAssertEqual(count, 0)
    }
}
