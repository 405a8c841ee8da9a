import Foundation
import WelkomCore

/// One enrolment at a desk, from "start" to the customer's answer. Lives only in the hub's
/// memory: the card number is forgotten when the session ends, so an enrolment the customer
/// never confirms leaves nothing anywhere.
struct DeskSession: Sendable {
    enum Step: Sendable, Equatable {
        /// Started by staff; the card is to be scanned on this till's reader or typed.
        case waitingForCard
        /// The card is known; the customer reads the text and ticks scopes.
        case consent(card: String, source: CardSource)
        /// The customer's answer is being recorded (a second press gets 409).
        case recording(card: String, source: CardSource)
        case finished(Outcome)
        /// Staff started a withdrawal: the customer's card is to be scanned or typed.
        case waitingForWithdrawalCard
        /// The withdrawal is being carried out (the page shows it done once it is in effect).
        case withdrawing
    }

    enum CardSource: String, Sendable {
        case scanner, typed
    }

    enum Outcome: String, Sendable {
        case enrolled
        case declined
        case doNotAsk = "do_not_ask"
        /// The card's consent (or its "do not ask" marker) is withdrawn.
        case withdrawn
        /// The card belongs to no consent and no marker: nothing to withdraw.
        case notEnrolled = "not_enrolled"
        /// The withdrawal could not be finished; staff try again.
        case failed
    }

    /// Random; the customer page sends it back so an answer never lands on a newer session.
    var id: String
    var step: Step
    var touched: Date
    /// The desk display's pairing that started it, for the receipt of a withdrawal by card.
    var pairing: String? = nil

    /// A session nobody touched for this long is dropped with whatever card it held.
    static let idleLifetime: TimeInterval = 10 * 60
    /// A withdrawal waiting for its card lapses much sooner: the till's reader feeds it, so a desk
    /// left in that step would withdraw the consent of whichever shopper scans there next.
    static let withdrawalCardLifetime: TimeInterval = 60

    /// How long this session may sit untouched before it is dropped.
    var lifetime: TimeInterval {
        if case .waitingForWithdrawalCard = step { return Self.withdrawalCardLifetime }
        return Self.idleLifetime
    }

    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<12).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded() }.joined()
    }
}

private extension String {
    func leftPadded() -> String { count == 1 ? "0" + self : self }
}
