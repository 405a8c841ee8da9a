import Foundation
import WelkomCore

/// What happens to a card scanned at a till besides recognition: the desk may be waiting for it
/// (an enrolment), and a card nobody enrolled may be marked "do not ask".
public protocol CardScanHook: Sendable {
    /// True when an enrolment at `till`'s desk took the card (it is then not looked up).
    func takeForDesk(till: TillID, card: String) async -> Bool
    /// The card matched no consent: show the "do not ask" note if it carries the marker.
    func unrecognised(till: TillID, card: String, at time: Date) async
}
