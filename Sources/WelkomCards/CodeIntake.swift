import Logging
import WelkomCore
import WelkomIdentifiers

/// The one place a reader's raw reads become sightings: classified by `CardNumber`, counted,
/// and — for rejects only — logged by kind, naming the reader and the problem, never the code.
/// A payment card leaves one aggregate count and nothing else (docs/privacy-invariants.md, invariant 6).
struct CodeIntake: Sendable {
    let reader: String
    let till: TillID
    let counters: ReaderCounters
    let logger: Logger
    let clock: any WelkomClock
    var exemptions: PaymentCardExemptions = .none
    var rejectLog = RejectLog()

    /// A whole code as text (a keyboard wedge's characters, a HID-POS report's data).
    func text(_ code: String) -> Sighting? {
        classified(CardNumber.classify(code, exempting: exemptions))
    }

    /// A whole code as bytes (HID-POS data, which need not be UTF-8).
    func bytes(_ code: [UInt8]) -> Sighting? {
        classified(CardNumber.classify(line: code, exempting: exemptions))
    }

    /// An NFC card's UID.
    func uid(_ uid: [UInt8]) -> Sighting? {
        classified(CardNumber.normaliseNFC(uid: uid))
    }

    func classified(_ code: CardCode) -> Sighting? {
        switch code {
        case .loyalty(let normalised, _):
            counters.update { $0.codesRead += 1; $0.loyalty += 1 }
            return Sighting(time: clock.now(), evidence: .card(normalised: normalised), till: till, source: .card)
        case .paymentCard:
            counters.update { $0.codesRead += 1; $0.paymentDropped += 1 }
            return nil
        case .invalid(let problem):
            reject(problem)
            return nil
        }
    }

    func reject(_ problem: CardCodeProblem) {
        counters.update { $0.codesRead += 1; $0.invalid += 1 }
        rejectLog.reject(problem, reader: reader, logger: logger)
    }
}
