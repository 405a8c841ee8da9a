import Foundation
import WelkomCore
import WelkomLedger
import WelkomRegistry

/// Every change to a consent goes through here — `welkom consent …`, `audit erase`, the demo, and
/// the agent itself — so the order that keeps invariant 3 is written once:
///
/// 1. the registry changes (a withdrawal deletes the key material),
/// 2. the running agent applies the change (its tables stop matching, the customer's prompts
///    come down, in-flight prompts finish) and says so,
/// 3. only then the ledger is unlinked or erased, so no entry the agent wrote before step 2 can
///    still name the customer, and none after it can exist.
///
/// The registry change and its ledger record belong together: a consent the ledger cannot
/// record is undone, and a withdrawal whose ledger step failed is finished by running it again.
public struct ConsentService: Sendable {
    public let registry: ConsentRegistry
    public let ledger: Ledger
    public let agent: any AgentLink
    let clock: any WelkomClock

    public init(registry: ConsentRegistry, ledger: Ledger, agent: any AgentLink, clock: any WelkomClock = SystemClock()) {
        self.registry = registry
        self.ledger = ledger
        self.agent = agent
        self.clock = clock
    }

    /// The stores in `dataDirectory`, and the agent running on them (if any) over its socket.
    public static func open(dataDirectory: URL) throws -> ConsentService {
        ConsentService(registry: try ConsentRegistry(dataDirectory: dataDirectory),
                       ledger: try Ledger(dataDirectory: dataDirectory),
                       agent: AgentControlClient(dataDirectory: dataDirectory))
    }

    public enum Failure: Error, CustomStringConvertible {
        case notRecorded(customer: CustomerID, reason: String)
        case withdrawalNotRecorded(customer: CustomerID, reason: String)
        case erasureNotFinished(customer: CustomerID, reason: String)
        case batchNotRecorded(count: Int, reason: String)

        public var description: String {
            switch self {
            case let .notRecorded(customer, reason):
                "the consent of \(customer) could not be recorded in the ledger (\(reason)); nothing was enrolled — run the command again once the ledger is writable"
            case let .withdrawalNotRecorded(customer, reason):
                "the key material of \(customer) is deleted, but the withdrawal is not finished (\(reason)); run it again to finish it"
            case let .batchNotRecorded(count, reason):
                "the \(count) consents could not be recorded in the ledger (\(reason)); nothing was imported — run the import again once the ledger is writable"
            case let .erasureNotFinished(customer, reason):
                "erasure of \(customer) not finished: \(reason); run it again once the data directory is writable"
            }
        }
    }

    // MARK: - Enrolment

    /// Enrols, records it with a consent receipt (when, how, which consent text and its hash,
    /// scopes, expiry), then has the running agent load it. `channel` says how the consent
    /// reached Welkom ("cli", "import", "demo", "till").
    @discardableResult
    public func enroll(_ e: Enrolment, channel: String = "cli") async throws -> AgentNotice {
        try await record(e, channel: channel)
        await takeBackDoNotAsk(onCards: e.cards, channel: channel, collectedBy: nil)
        return try await agent.apply(.enrolled(e.customer))
    }

    /// As `enroll(_:channel:)`, for a consent given at a till or desk: the receipt also names the
    /// pairing of the display staff used (`collected_by`).
    @discardableResult
    public func enroll(_ e: Enrolment, channel: String, collectedBy: String?) async throws -> AgentNotice {
        try await record(e, channel: channel, collectedBy: collectedBy)
        await takeBackDoNotAsk(onCards: e.cards, channel: channel, collectedBy: collectedBy)
        return try await agent.apply(.enrolled(e.customer))
    }

    /// Enrols every one of `enrolments` or none: the registry takes them in one transaction
    /// (which refuses the whole batch if any one is refused), then their ledger records go into
    /// the ledger's group commit together (a few transactions, not an fsync each); if the ledger
    /// fails, the batch is undone as `record` undoes one. Then the agent reloads once.
    @discardableResult
    public func enroll(all enrolments: [Enrolment], channel: String = "import") async throws -> AgentNotice {
        guard !enrolments.isEmpty else { return .noAgentRunning }
        try await registry.enroll(all: enrolments)
        let now = clock.now()
        // The consent text's hash read once per version, not once per customer.
        var hashes: [String: String?] = [:]
        let records = enrolments.map { e -> (draft: LedgerDraft, receipt: ConsentReceipt?) in
            let hash: String?
            if let version = e.consentTextVersion {
                if let known = hashes[version] {
                    hash = known
                } else {
                    hash = ConsentReceipt.textHash(version: version, dataDirectory: ledger.dataDirectory)
                    hashes[version] = .some(hash)
                }
            } else {
                hash = nil
            }
            let (draft, receipt) = consentRecord(e, channel: channel, collectedBy: nil, at: now, textHash: hash)
            return (draft, receipt)
        }
        do {
            try await ledger.submit(contentsOf: records)
        } catch {
            for undone in enrolments {
                _ = try? await registry.withdraw(customer: undone.customer)
            }
            // Records already written must not name customers that are not enrolled.
            for written in enrolments {
                _ = try? await ledger.unlink(customer: written.customer)
            }
            throw Failure.batchNotRecorded(count: enrolments.count, reason: "\(error)")
        }
        return try await agent.apply(.reload)
    }

    private func record(_ e: Enrolment, channel: String, collectedBy: String? = nil) async throws {
        try await registry.enroll(e)
        do {
            try await recordInLedger(e, channel: channel, collectedBy: collectedBy)
        } catch {
            _ = try? await registry.withdraw(customer: e.customer)
            throw Failure.notRecorded(customer: e.customer, reason: "\(error)")
        }
    }

    private func recordInLedger(_ e: Enrolment, channel: String, collectedBy: String? = nil) async throws {
        let (draft, receipt) = consentRecord(e, channel: channel, collectedBy: collectedBy, at: clock.now(),
                                             textHash: ConsentReceipt.textHash(version: e.consentTextVersion,
                                                                               dataDirectory: ledger.dataDirectory))
        _ = try await ledger.submit(draft, receipt: receipt)
    }

    /// The ledger entry and consent receipt of one enrolment.
    private func consentRecord(_ e: Enrolment, channel: String, collectedBy: String?, at now: Date,
                               textHash: String?) -> (LedgerDraft, ConsentReceipt) {
        var identifiers: [String] = []
        if e.beaconKey != nil { identifiers.append("wlk1") }
        if !e.cards.isEmpty { identifiers.append("card") }
        let receipt = ConsentReceipt(
            event: .given, time: now, collectionMethod: channel, language: e.language.rawValue,
            consentTextVersion: e.consentTextVersion, consentTextSHA256: textHash,
            scopes: Array(e.scopes), identifierKinds: identifiers, expires: e.expires, collectedBy: collectedBy)
        let draft = LedgerDraft(
            time: now, kind: .consentGiven, customer: e.customer,
            detail: "scopes=\(e.scopes.sorted().map(\.rawValue).joined(separator: ","))"
                + (e.consentTextVersion.map { " text=\($0)" } ?? ""))
        return (draft, receipt)
    }

    // MARK: - Withdrawal and erasure

    public struct Withdrawal: Sendable, Equatable {
        /// Whether the registry held a consent (its key material is now deleted).
        public var consentDeleted: Bool
        /// Ledger entries that no longer name the customer.
        public var unlinked: Int
        public var agent: AgentNotice
    }

    /// Withdraws a consent in the order above, then records that a withdrawal happened — without
    /// saying whose. Returns nil when there was nothing to withdraw (no consent, no linked entry).
    /// Running it again after a failure finishes the job: the unlink does not depend on the
    /// registry still knowing the customer.
    public func withdraw(_ customer: CustomerID, channel: String = "cli") async throws -> Withdrawal? {
        try await withdraw(customer, channel: channel, collectedBy: nil)
    }

    /// As `withdraw(_:channel:)`, for a withdrawal at a till: the receipt also names the pairing
    /// of the display it was made on (`collected_by`).
    public func withdraw(_ customer: CustomerID, channel: String, collectedBy: String?) async throws -> Withdrawal? {
        let hadConsent = try await registry.withdraw(customer: customer)
        let notice: AgentNotice
        do { notice = try await agent.apply(.withdrawn(customer)) } catch {
            // Unlink what is there now all the same; the agent may still write, so say it is unfinished.
            _ = try? await ledger.unlink(customer: customer)
            throw Failure.withdrawalNotRecorded(customer: customer, reason: "\(error)")
        }
        do {
            guard let unlinked = try await unlinkWithReceipt(customer, ending: .consentGiven, hadRecord: hadConsent,
                                                             detail: "key material deleted", channel: channel,
                                                             collectedBy: collectedBy) else { return nil }
            return Withdrawal(consentDeleted: hadConsent, unlinked: unlinked, agent: notice)
        } catch {
            throw Failure.withdrawalNotRecorded(customer: customer, reason: "\(error)")
        }
    }

    /// The ledger's half of a withdrawal (of a consent, or of a "do not ask"): the receipts of the
    /// `ending` entries naming `id` are found while they still name it, the entries are unlinked,
    /// and a withdrawal receipt that names nobody ends those receipts. Nil, recording nothing,
    /// when there was no record (`hadRecord`) and nothing to unlink; else how many were unlinked.
    func unlinkWithReceipt(_ id: String, ending: LedgerEntryKind, hadRecord: Bool, detail: String,
                           channel: String, collectedBy: String?) async throws -> Int? {
        let ended = try await ledger.stored(LedgerQuery(customer: id, kinds: [ending]))
            .compactMap { $0.receipt.flatMap(ConsentReceipt.parse)?.consentReceiptID }
        let unlinked = try await ledger.unlink(customer: id)
        guard hadRecord || unlinked > 0 else { return nil }
        let now = clock.now()
        _ = try await ledger.submit(LedgerDraft(time: now, kind: .consentWithdrawn, detail: detail),
                                    receipt: ConsentReceipt(event: .withdrawn, time: now, collectionMethod: channel,
                                                            endsReceipts: ended, collectedBy: collectedBy))
        return unlinked
    }

    public struct Erasure: Sendable, Equatable {
        /// Whether the registry held a consent (now deleted).
        public var consentDeleted: Bool
        /// Ledger record bodies deleted.
        public var bodiesErased: Int
        public var erasureEntry: Int64?
        public var checkpoint: Int64?
        public var agent: AgentNotice
    }

    /// Erasure (GDPR art. 17, `audit erase`): the withdrawal's order, but the ledger step deletes
    /// the record bodies and salts of every entry linked to the customer and records an `erasure`
    /// entry that names nobody, then signs a checkpoint. The tree and every other entry's proofs
    /// still verify. Safe to run again: a second run finds nothing and records nothing.
    public func erase(_ customer: CustomerID) async throws -> Erasure {
        do {
            let hadConsent = try await registry.withdraw(customer: customer)
            let notice = try await agent.apply(.withdrawn(customer))
            let (erased, entry) = try await ledger.erase(customer: customer, at: clock.now())
            var checkpoint: Int64?
            if entry != nil || hadConsent {
                checkpoint = try await ledger.writeCheckpoint(at: clock.now(), onlyIfGrown: true)?.id
            }
            return Erasure(consentDeleted: hadConsent, bodiesErased: erased, erasureEntry: entry?.seq,
                           checkpoint: checkpoint, agent: notice)
        } catch {
            throw Failure.erasureNotFinished(customer: customer, reason: "\(error)")
        }
    }
}
