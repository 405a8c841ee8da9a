import Foundation
import Logging
import WelkomCore
import WelkomLedger
import WelkomRegistry
import WelkomTillHub

/// Cards at the tills, past the recogniser: the desk's waiting enrolment takes a card first;
/// a card that matched no consent but carries a "do not ask" marker puts one note on its till —
/// "don't ask about the loyalty programme" — and nothing else: no greeting, no name, no offer.
/// Like every prompt, the note is in the ledger (under the marker, never the card) before it shows.
struct DoNotAskNotes: CardScanHook {
    let hub: TillHub
    let registry: ConsentRegistry
    let ledger: Ledger
    /// How long the note stays up (`policy.prompt_lifetime_seconds`, as for any prompt).
    let lifetime: TimeInterval
    let logger: Logger

    static let text: [Language?: String] = [
        .nl: "Niet vragen naar het klantenprogramma",
        .en: "Don't ask about the loyalty programme",
        nil: "Don't ask about the loyalty programme / Niet vragen naar het klantenprogramma",
    ]

    func takeForDesk(till: TillID, card: String) async -> Bool {
        await hub.offerCard(till: till, normalised: card)
    }

    func unrecognised(till: TillID, card: String, at time: Date) async {
        let marker: DoNotAskMarker?
        do { marker = try await registry.doNotAsk(card: card, at: time) } catch {
            logger.warning("do-not-ask markers could not be read", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            return
        }
        guard let marker else { return }
        // One note per card and till: a second scan while it is up adds nothing.
        guard !(await hub.activePrompts(till: till)).contains(where: { $0.customer == marker.marker }) else { return }
        let language = hub.tills.first { $0.id == till }?.language
        let prompt = Prompt(id: UUID().uuidString.lowercased(), kind: .note, customer: marker.marker, till: till,
                            scheme: .card, language: language ?? .en, text: Self.text[language] ?? Self.text[nil]!,
                            created: time, expires: time.addingTimeInterval(lifetime))
        do {
            _ = try await ledger.submit(LedgerDraft(time: time, kind: .recognition, customer: marker.marker, scheme: .card,
                                                    till: till, prompt: prompt.id, detail: "prompt=do-not-ask"))
        } catch {
            logger.error("ledger append failed; do-not-ask note not shown", metadata: ["till": "\(till)"])
            return
        }
        await hub.show(prompt)
    }
}
