import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// Consent changes as the back office makes them (`welkom consent …`): the registry change and
/// its ledger entry belong together, so neither is left without the other when a store fails.
public struct ConsentChanges: Sendable {
    public let registry: ConsentRegistry
    public let ledger: Ledger
    let clock: any WelkomClock

    public init(registry: ConsentRegistry, ledger: Ledger, clock: any WelkomClock = SystemClock()) {
        self.registry = registry
        self.ledger = ledger
        self.clock = clock
    }

    public init(dataDirectory: URL) throws {
        self.init(registry: try ConsentRegistry(dataDirectory: dataDirectory), ledger: try Ledger(dataDirectory: dataDirectory))
    }

    public enum Failure: Error, CustomStringConvertible {
        case notRecorded(customer: CustomerID, reason: String)
        case withdrawalNotRecorded(customer: CustomerID, reason: String)

        public var description: String {
            switch self {
            case let .notRecorded(customer, reason):
                "the consent of \(customer) could not be recorded in the ledger (\(reason)); nothing was enrolled — run the command again once the ledger is writable"
            case let .withdrawalNotRecorded(customer, reason):
                "the key material of \(customer) is deleted, but the ledger could not be updated (\(reason)); run the withdrawal again to finish it"
            }
        }
    }

    /// Enrols, then records it with a consent receipt (ConsentReceipt: when, how, which consent
    /// text and its hash, scopes, expiry). A consent the ledger cannot record is undone: no
    /// recognition may rest on a consent the privacy officer cannot see. `channel` says how the
    /// consent reached Welkom ("cli", "import", "demo", "api").
    public func enroll(_ e: Enrolment, channel: String = "cli") throws {
        try registry.enroll(e)
        let now = clock.now()
        var identifiers: [String] = []
        if e.beaconKey != nil { identifiers.append("wlk1") }
        if !e.cards.isEmpty { identifiers.append("card") }
        let receipt = ConsentReceipt(
            event: .given, time: now, collectionMethod: channel, language: e.language.rawValue,
            consentTextVersion: e.consentTextVersion,
            consentTextSHA256: ConsentReceipt.textHash(version: e.consentTextVersion, dataDirectory: ledger.dataDirectory),
            scopes: Array(e.scopes), identifierKinds: identifiers, expires: e.expires)
        do {
            _ = try ledger.append(LedgerDraft(
                time: now, kind: .consentGiven, customer: e.customer,
                detail: "scopes=\(e.scopes.sorted().map(\.rawValue).joined(separator: ","))"
                    + (e.consentTextVersion.map { " text=\($0)" } ?? "")), receipt: receipt)
        } catch {
            try? registry.withdraw(customer: e.customer)
            throw Failure.notRecorded(customer: e.customer, reason: "\(error)")
        }
    }

    /// Deletes the key material first (recognition stops at the agent's next reload), then
    /// unlinks the customer from their ledger entries, then records that a withdrawal happened —
    /// without saying whose. Running it again after a ledger failure finishes the job, since the
    /// unlink no longer depends on the registry still knowing the customer.
    /// Returns how many entries were unlinked, or nil when there was nothing to withdraw.
    public func withdraw(_ customer: CustomerID, channel: String = "cli") throws -> Int? {
        let hadConsent = try registry.withdraw(customer: customer)
        do {
            // The receipts this withdrawal ends, found while the entries still name the customer.
            let ended = try ledger.stored(LedgerQuery(customer: customer, kinds: [.consentGiven]))
                .compactMap { $0.receipt.flatMap(ConsentReceipt.parse)?.consentReceiptID }
            let unlinked = try ledger.unlink(customer: customer)
            // Neither a consent nor linked entries: nothing to do, and nothing to record.
            guard hadConsent || unlinked > 0 else { return nil }
            let now = clock.now()
            _ = try ledger.append(LedgerDraft(time: now, kind: .consentWithdrawn, detail: "key material deleted"),
                                  receipt: ConsentReceipt(event: .withdrawn, time: now, collectionMethod: channel,
                                                          endsReceipts: ended))
            return unlinked
        } catch {
            throw Failure.withdrawalNotRecorded(customer: customer, reason: "\(error)")
        }
    }
}
