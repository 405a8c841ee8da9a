import Logging
import WelkomCore
import WelkomLedger
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomTillHub
import WelkomZones
import struct Foundation.Date

/// The flow of the brief in one place: sighting → recogniser → policy → ledger → till hub.
/// The actor serialises the stages' state (the recogniser's tables, the policy's cool-downs);
/// the stages themselves know nothing of one another.
public actor Pipeline {
    private var recogniser: Recogniser
    private var policy: Policy
    private var profiles: [CustomerID: CustomerProfile] = [:]
    private let ledger: Ledger
    private let registry: ConsentRegistry
    private var hub: TillHub?
    private let metrics: AgentMetrics
    private let logger: Logger
    private let onEvent: @Sendable (AgentEvent) -> Void
    /// Till zones for radio recognitions; nil when the config has no `[[zone]]`.
    private var zones: ZoneTracker?

    public init(recogniser: Recogniser, policy: Policy, ledger: Ledger, registry: ConsentRegistry,
                metrics: AgentMetrics, logger: Logger, zones: ZoneTracker? = nil,
                onEvent: @escaping @Sendable (AgentEvent) -> Void) {
        self.zones = zones
        self.recogniser = recogniser
        self.policy = policy
        self.ledger = ledger
        self.registry = registry
        self.metrics = metrics
        self.logger = logger
        self.onEvent = onEvent
        metrics.recognitionEnabled.set(recogniser.settings.enabled ? 1.0 : 0.0)
    }

    public func attach(_ hub: TillHub) {
        self.hub = hub
    }

    public var customerCount: Int { recogniser.customerCount }

    /// Reloads the recogniser's tables and the profiles from the registry (start-up, and whenever
    /// the registry changes: an enrolment or a withdrawal takes effect for the next sighting).
    public func reloadConsents(at time: Date) async throws {
        guard recogniser.settings.enabled else { return }
        let keys = try registry.activeKeys(at: time)
        let newProfiles = try registry.profiles()
        // A withdrawn customer's name leaves the tills too, not only the tables.
        for customer in profiles.keys where newProfiles[customer] == nil {
            policy.forget(customer: customer)
            zones?.forget(customer: customer)
            await hub?.removePrompts(of: customer)
        }
        profiles = newProfiles
        // In place: only customers whose keys changed, arrived or left (no rebuild of the tables).
        let wasExceeded = recogniser.rpaMatchNeedsConfirmation
        recogniser.reconcile(with: keys, at: time)
        if recogniser.rpaMatchNeedsConfirmation != wasExceeded { logger.warning("\(rpaBoundNotice)") }
        metrics.activeConsents.set(Double(recogniser.customerCount))
        onEvent(.consentsReloaded(customers: recogniser.customerCount))
    }

    /// Invariant 8 with the figure: N enrolled IRKs, N/2^24 against `rpa_false_match_bound`.
    public var rpaBoundNotice: String {
        let n = recogniser.enrolledIRKCount, p = recogniser.rpaFalseMatchChance, bound = recogniser.settings.rpaFalseMatchBound
        return recogniser.rpaMatchNeedsConfirmation
            ? "RPA false-match bound exceeded: \(n) enrolled IRKs give N/2^24 = \(p) > recognition.rpa_false_match_bound = \(bound); an RPA match alone is not a recognition, it needs a WLK1 token or card of the same customer from the same visit"
            : "RPA false-match chance with \(n) enrolled IRKs: N/2^24 = \(p) within recognition.rpa_false_match_bound = \(bound); an RPA match alone counts"
    }

    /// One sighting through the whole flow. A sighting nobody consented for only bumps a counter.
    /// Returns whether it was recognised (a card reader signals that to the customer).
    @discardableResult
    public func handle(_ sighting: Sighting) async -> Bool {
        guard var recognition = recogniser.recognise(sighting) else {
            metrics.sighting(sighting, matched: false)
            return false
        }
        metrics.sighting(sighting, matched: true)
        metrics.recognised(recognition.scheme)
        // Radio recognitions go to the till whose zone the customer stands in; none yet, no prompt
        // yet (the next sighting may settle it). Card recognitions keep their reader's till.
        if sighting.source == .radio, zones != nil {
            guard let till = zones?.observe(customer: recognition.customer, receiver: sighting.receiver,
                                            rssi: sighting.rssi, at: recognition.time) else { return true }
            recognition.till = till
        }
        guard let profile = profiles[recognition.customer] else { return true }
        let prompts = policy.decide(recognition, profile: profile)
        // One ledger entry per prompt, each durable before its prompt shows (fail closed,
        // invariant 4). If one cannot be written, it and the rest are not shown.
        for (index, prompt) in prompts.enumerated() {
            let entry: LedgerEntry
            do {
                // submit: suspends rather than blocking a pool thread; concurrent appends share an fsync.
                entry = try await ledger.submit(LedgerDraft(
                    time: recognition.time, kind: .recognition, customer: recognition.customer,
                    scheme: recognition.scheme, till: prompt.till, prompt: prompt.id, detail: "prompt=\(prompt.kind.rawValue)"))
            } catch {
                for unshown in prompts[index...] { policy.forget(unshown) }
                metrics.ledgerFailures.increment()
                logger.error("ledger append failed; prompt not shown", metadata: ["error": "\(error)", "till": "\(prompt.till)"])
                onEvent(.promptWithheld(customer: recognition.customer, reason: "ledger append failed: \(error)"))
                return true
            }
            metrics.ledgerEntries.increment()
            await hub?.show(prompt)
            metrics.prompts.increment()
            onEvent(.greeted(prompt, ledgerSeq: entry.seq))
        }
        return true
    }

    /// Staff acknowledged or dismissed a prompt: recorded durably before the page is told it worked.
    public func record(_ action: TillAction, at time: Date) throws {
        let draft: LedgerDraft
        switch action {
        case let .acknowledge(promptID, till):
            draft = LedgerDraft(time: time, kind: .acknowledgement, till: till, prompt: promptID)
        case let .dismiss(promptID, till):
            draft = LedgerDraft(time: time, kind: .dismissal, till: till, prompt: promptID)
        }
        let entry = try ledger.append(draft)
        metrics.ledgerEntries.increment()
        onEvent(.tillAction(action, ledgerSeq: entry.seq))
    }

    public func sweep(now: Date) {
        policy.sweep(now: now)
        zones?.sweep(now: now)
    }
}
