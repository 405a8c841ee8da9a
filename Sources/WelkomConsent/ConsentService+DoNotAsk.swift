import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// "Never asked twice": a customer who declines may ask not to be asked again. Only then is the
/// card's pseudonym stored, with a marker and its own receipt (no name, nothing else). Nothing
/// is applied to the running agent: a marker is looked up when a card goes unrecognised.
extension ConsentService {
    /// Marks `card` (normalised) "do not ask" until `expires` and records the receipt (channel,
    /// display pairing, expiry). When the receipt cannot be recorded the marker is removed again.
    @discardableResult
    public func declineAndDoNotAsk(card: String, expires: Date, channel: String,
                                   collectedBy: String?) async throws -> DoNotAskMarker {
        let marker = try await registry.markDoNotAsk(card: card, until: expires)
        let now = clock.now()
        do {
            _ = try await ledger.submit(
                LedgerDraft(time: now, kind: .doNotAsk, customer: marker.marker,
                            detail: "do not ask about the loyalty programme"),
                receipt: ConsentReceipt(event: .doNotAsk, time: now, collectionMethod: channel,
                                        identifierKinds: ["card"], expires: expires, collectedBy: collectedBy))
        } catch {
            _ = try? await registry.removeDoNotAsk(marker: marker.marker)
            throw Failure.notRecorded(customer: marker.marker, reason: "\(error)")
        }
        return marker
    }

    /// Erasure of a marker (`audit erase --card`): the registry row, then the bodies of every
    /// ledger entry naming the marker, as `erase` does for a customer.
    public func eraseDoNotAsk(marker: String) async throws -> Erasure {
        do {
            let removed = try await registry.removeDoNotAsk(marker: marker)
            let (erased, entry) = try await ledger.erase(customer: marker, at: clock.now())
            var checkpoint: Int64?
            if entry != nil || removed {
                checkpoint = try await ledger.writeCheckpoint(at: clock.now(), onlyIfGrown: true)?.id
            }
            return Erasure(consentDeleted: removed, bodiesErased: erased, erasureEntry: entry?.seq,
                           checkpoint: checkpoint, agent: .noAgentRunning)
        } catch {
            throw Failure.erasureNotFinished(customer: marker, reason: "\(error)")
        }
    }
}
