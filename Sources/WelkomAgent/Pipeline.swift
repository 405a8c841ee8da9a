import Logging
import WelkomCore
import WelkomLedger
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomTillHub
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

    public init(recogniser: Recogniser, policy: Policy, ledger: Ledger, registry: ConsentRegistry,
                metrics: AgentMetrics, logger: Logger, onEvent: @escaping @Sendable (AgentEvent) -> Void) {
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
            await hub?.removePrompts(of: customer)
        }
        profiles = newProfiles
        recogniser.load(keys, at: time)
        metrics.activeConsents.set(Double(recogniser.customerCount))
        onEvent(.consentsReloaded(customers: recogniser.customerCount))
    }

    /// One sighting through the whole flow. A sighting nobody consented for only bumps a counter.
    public func handle(_ sighting: Sighting) async {
        guard let recognition = recogniser.recognise(sighting) else {
            metrics.sighting(sighting, matched: false)
            return
        }
        metrics.sighting(sighting, matched: true)
        metrics.recognised(recognition.scheme)
        guard let profile = profiles[recognition.customer],
              let prompt = policy.decide(recognition, profile: profile) else { return }
        // Fail closed (invariant 4): the prompt shows only once its ledger entry is durable.
        let entry: LedgerEntry
        do {
            entry = try ledger.append(LedgerDraft(
                time: recognition.time, kind: .recognition, customer: recognition.customer,
                scheme: recognition.scheme, till: prompt.till, prompt: prompt.id, detail: "prompt=\(prompt.kind.rawValue)"))
        } catch {
            policy.forget(prompt)
            metrics.ledgerFailures.increment()
            logger.error("ledger append failed; prompt not shown", metadata: ["error": "\(error)", "till": "\(prompt.till)"])
            onEvent(.promptWithheld(customer: recognition.customer, reason: "ledger append failed: \(error)"))
            return
        }
        metrics.ledgerEntries.increment()
        await hub?.show(prompt)
        metrics.prompts.increment()
        onEvent(.greeted(prompt, ledgerSeq: entry.seq))
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
    }
}
