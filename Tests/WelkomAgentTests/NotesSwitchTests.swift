import Foundation
import WelkomAgent
import WelkomConfig
import WelkomCore
import WelkomPolicy
import XCTest

/// `policy.notes` (issue 12, finding 5): read from the file, rendered back, and carried to the
/// policy, which then makes no note prompt whatever a consent's scopes.
final class NotesSwitchTests: XCTestCase {
    func testNotesFalseInTheFileSwitchesTheNotePromptOff() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString).toml").path
        try "[policy]\nnotes = false\n".write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        let config = try WelkomConfig.load(path: path)
        XCTAssertFalse(config.policy.notes)
        XCTAssertTrue(config.rendered().contains("notes = false"))
        XCTAssertTrue(WelkomConfig.defaults.policy.notes, "notes are on by default")

        var policy = Policy(settings: StageSettings.policy(config))
        let recognition = Recognition(customer: "anna", scheme: .card, time: Date(), till: "1")
        let prompts = policy.decide(recognition, profile: CustomerProfile(customer: "anna", name: nil, language: .en, scopes: Set(Scope.allCases),
                                                                         note: "allergic to nuts"))
        XCTAssertFalse(prompts.isEmpty, "the greeting still shows")
        XCTAssertFalse(prompts.contains { $0.kind == .note }, "\(prompts)")

        try "[policy]\nnotes = \"no\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try WelkomConfig.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("policy.notes"), "\(error)")
        }
    }
}
