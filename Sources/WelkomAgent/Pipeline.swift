import Logging
import WelkomCore
import WelkomLedger
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomTillHub
import WelkomZones
import struct Foundation.Date
import struct Foundation.TimeInterval

/// The flow of docs/architecture.md in one place: sighting → recogniser → zones → policy → ledger → till hub.
/// `welkom run`, `demo` and `replay` all drive this one actor; they differ in their sources, their
/// clock and their outputs (a replay has no ledger and no hub, only `onRecognition`), not in the
/// middle. The actor serialises the stages' state (the recogniser's tables, the policy's
/// cool-downs, the zones); the stages themselves know nothing of one another.
public actor Pipeline {
    private var recogniser: Recogniser
    private var policy: Policy
    private var zones: ZoneTracker?
    /// Profiles are read from the registry when their customer is recognised (ProfileCache).
    private var profiles = ProfileCache()
    /// Where prompts are recorded before they show; nil for a replay (recognitions only).
    private let ledger: Ledger?
    private let registry: ConsentRegistry?
    private var hub: TillHub?
    private let metrics: AgentMetrics
    private let logger: Logger
    private let onEvent: @Sendable (AgentEvent) -> Void
    /// Every recognition as it is made, routed through the zones (replay's JSON lines).
    private let onRecognition: (@Sendable (Recognition) -> Void)?
    private var deliveries = DeliveryBarrier()
    /// Customers withdrawn while deliveries were in flight: those deliveries must not show.
    private var withdrawnDuringDelivery: Set<CustomerID> = []
    /// Cards scanned at a till, seen before the recogniser (the desk) and after it (do not ask).
    private var cardScans: (any CardScanHook)?

    public init(recogniser: Recogniser, policy: Policy, ledger: Ledger?, registry: ConsentRegistry?,
                metrics: AgentMetrics, logger: Logger, zones: ZoneTracker? = nil,
                onRecognition: (@Sendable (Recognition) -> Void)? = nil,
                onEvent: @escaping @Sendable (AgentEvent) -> Void) {
        self.zones = zones
        self.recogniser = recogniser
        self.policy = policy
        self.ledger = ledger
        self.registry = registry
        self.metrics = metrics
        self.logger = logger
        self.onRecognition = onRecognition
        self.onEvent = onEvent
        metrics.recognitionEnabled.set(recogniser.settings.enabled ? 1.0 : 0.0)
    }

    public func attach(_ hub: TillHub) {
        self.hub = hub
    }

    public func attach(cardScans hook: any CardScanHook) {
        cardScans = hook
    }

    public var customerCount: Int { recogniser.customerCount }

    // MARK: - Consents

    /// Loads the registry as it is now (start-up, an enrolment, an import). Customers who are gone
    /// from it are withdrawn as by `applyWithdrawal`. Callers serialise loads (ConsentApplier), so
    /// an older snapshot never replaces a newer one.
    public func reloadConsents(at time: Date) async throws {
        guard recogniser.settings.enabled, let registry else { return }
        let clock = ContinuousClock()
        let started = clock.now
        // Into empty tables (the start) the token keys are derived while the registry is read.
        let snapshot = try await registry.snapshot(at: time, withTokenKeys: recogniser.customerCount == 0)
        let read = clock.now
        await load(snapshot, at: time)
        // A slow load delays the start and every enrolment's effect: say where the time went.
        let end = clock.now
        if end - started >= .seconds(1) {
            logger.info("registry loaded slowly", metadata: [
                "customers": "\(snapshot.keys.count)", "read_s": "\(Self.seconds(read - started))",
                "tables_s": "\(Self.seconds(end - read))",
            ])
        }
    }

    private static func seconds(_ d: Duration) -> String {
        let (s, attoseconds) = d.components
        return "\(((Double(s) + Double(attoseconds) / 1e18) * 100).rounded() / 100)"
    }

    /// Applies one state of the registry: tables first, in place (only customers whose keys
    /// changed, arrived or left), then whatever the departed customers had on the tills.
    public func load(_ snapshot: ConsentSnapshot, at time: Date) async {
        guard recogniser.settings.enabled else { return }
        var departed: [CustomerID] = []
        let wasExceeded = recogniser.rpaMatchNeedsConfirmation
        recogniser.reconcile(with: snapshot.keys, at: time, tokenKeys: snapshot.wlk1TokenKeys) { departed.append($0) }
        profiles.invalidateAll()
        if recogniser.rpaMatchNeedsConfirmation != wasExceeded { logger.warning("\(rpaBoundNotice)") }
        metrics.activeConsents.set(Double(recogniser.customerCount))
        for customer in departed { forgetState(of: customer) }
        if !departed.isEmpty {
            await finishDeliveriesBegunSoFar()
            for customer in departed { await hub?.removePrompts(of: customer) }
        }
        onEvent(.consentsReloaded(customers: recogniser.customerCount))
    }

    /// An enrolment (or a re-enrolment that replaced keys, name or scopes): only that customer is
    /// read from the registry and put into the tables in place, effective for the next sighting.
    /// Gone from the registry by the time it is read (withdrawn meanwhile, or expired), it is
    /// applied as a withdrawal, as a whole reload would.
    public func applyEnrolment(of customer: CustomerID, at time: Date) async throws {
        guard recogniser.settings.enabled, let registry else { return }
        guard let keys = try await registry.keys(of: customer, at: time) else {
            if recogniser.contains(customer: customer) { await applyWithdrawal(of: customer) }
            return
        }
        let wasExceeded = recogniser.rpaMatchNeedsConfirmation
        recogniser.upsert(keys, at: time)
        profiles.forget(customer)
        if recogniser.rpaMatchNeedsConfirmation != wasExceeded { logger.warning("\(rpaBoundNotice)") }
        metrics.activeConsents.set(Double(recogniser.customerCount))
        onEvent(.consentsReloaded(customers: recogniser.customerCount))
    }

    /// A withdrawal, in the order invariant 3 needs: the tables stop matching the customer (no
    /// suspension between this and the previous sighting), the policy and zones forget them,
    /// deliveries already under way finish (and do not show), then the customer's prompts come
    /// off every till. When this returns the ledger may be unlinked: nothing more will name them.
    public func applyWithdrawal(of customer: CustomerID) async {
        _ = recogniser.remove(customer: customer)
        profiles.forget(customer)
        forgetState(of: customer)
        metrics.activeConsents.set(Double(recogniser.customerCount))
        await finishDeliveriesBegunSoFar()
        await hub?.removePrompts(of: customer)
    }

    private func forgetState(of customer: CustomerID) {
        policy.forget(customer: customer)
        zones?.forget(customer: customer)
        if !deliveries.isIdle { withdrawnDuringDelivery.insert(customer) }
    }

    private func finishDeliveriesBegunSoFar() async {
        let barrier = deliveries.barrier
        guard deliveries.hasActive(before: barrier) else { return }
        await withCheckedContinuation { deliveries.wait(before: barrier, $0) }
    }

    /// Invariant 8 with the figure: N enrolled IRKs, N/2^24 against `rpa_false_match_bound`.
    public var rpaBoundNotice: String {
        let n = recogniser.enrolledIRKCount, p = recogniser.rpaFalseMatchChance, bound = recogniser.settings.rpaFalseMatchBound
        return recogniser.rpaMatchNeedsConfirmation
            ? "RPA false-match bound exceeded: \(n) enrolled IRKs give N/2^24 = \(p) > recognition.rpa_false_match_bound = \(bound); an RPA match alone is not a recognition, it needs a WLK1 token or card of the same customer from the same visit"
            : "RPA false-match chance with \(n) enrolled IRKs: N/2^24 = \(p) within recognition.rpa_false_match_bound = \(bound); an RPA match alone counts"
    }

    // MARK: - Sightings

    /// Drives the flow from batches of sightings with their own times as the clock (`welkom
    /// replay`: MergedCaptures.batches): stale state is swept every `sweepInterval` seconds of
    /// sighting time, and each batch goes through as `handle(batch:)`.
    public func run<S: AsyncSequence & Sendable>(batches: S, sweepInterval: TimeInterval) async throws
    where S.Element == [Sighting] {
        var sweeps: SightingTimeSweeps? = SightingTimeSweeps(interval: sweepInterval)
        for try await batch in batches {
            await handle(batch: batch, sweeps: &sweeps)
        }
    }

    /// Several sightings from one read of a source (the radio's): one step into the actor for all
    /// of them. Radio sightings are recognised without a suspension and counted once; a match goes
    /// on as in `handle`, and any other sighting through `handle` itself. A stranger's report
    /// then costs a table lookup and no await.
    public func handle(batch: [Sighting]) async {
        var live: SightingTimeSweeps?
        await handle(batch: batch, sweeps: &live)
    }

    /// `handle(batch:)`, sweeping by the sightings' own times when `sweeps` is given (a replay).
    /// An inout value, not a closure over a variable: that cost a dynamic exclusivity check per
    /// report, a tenth of a replay's time.
    private func handle(batch: [Sighting], sweeps: inout SightingTimeSweeps?) async {
        var radio = 0, unmatched = 0
        for sighting in batch {
            if sweeps?.due(at: sighting.time) == true { sweep(now: sighting.time) }
            guard sighting.source == .radio else { _ = await handle(sighting); continue }
            radio += 1
            guard let recognition = recogniser.recognise(sighting) else { unmatched += 1; continue }
            await proceed(recognition, of: sighting)
        }
        metrics.count(.radio, sightings: radio, unmatched: unmatched)
    }

    /// One sighting through the whole flow. A sighting nobody consented for only bumps a counter.
    /// Returns whether it was recognised (a card reader signals that to the customer).
    @discardableResult
    public func handle(_ sighting: Sighting) async -> Bool {
        var scannedCard: (till: TillID, number: String)?
        if let cardScans, let till = sighting.till, case let .card(number) = sighting.evidence {
            // An enrolment waiting at this till's desk takes the card: it is not looked up.
            if await cardScans.takeForDesk(till: till, card: number) { return true }
            scannedCard = (till, number)
        }
        guard let recognition = recogniser.recognise(sighting) else {
            metrics.sighting(sighting, matched: false)
            if let cardScans, let scannedCard {
                await cardScans.unrecognised(till: scannedCard.till, card: scannedCard.number, at: sighting.time)
            }
            return false
        }
        metrics.sighting(sighting, matched: true)
        await proceed(recognition, of: sighting)
        return true
    }

    /// After a match: the zones, the replay's line, the policy and the delivery.
    private func proceed(_ recognised: Recognition, of sighting: Sighting) async {
        var recognition = recognised
        metrics.recognised(recognition.scheme)
        // Radio recognitions go to the till whose zone the customer stands in; none yet, no prompt
        // yet (the next sighting may settle it). Card recognitions keep their reader's till.
        let zoned = sighting.source == .radio && zones != nil
        if zoned {
            recognition.till = zones?.observe(customer: recognition.customer, receiver: sighting.receiver,
                                              rssi: sighting.rssi, at: recognition.time)
        }
        onRecognition?(recognition)
        if zoned && recognition.till == nil { return }
        guard let ledger, let profile = await profile(of: recognition.customer) else { return }
        // Each prompt carries the scopes given, so the till shows staff what they may say.
        let prompts = policy.decide(recognition, profile: profile).map { prompt in
            var shown = prompt
            shown.scopes = profile.scopes
            return shown
        }
        guard !prompts.isEmpty else { return }
        await deliver(prompts, of: recognition, ledger: ledger)
    }

    /// The recognised customer's profile: cached, or read from the registry off the cooperative
    /// pool. Nil — no prompt — when the read fails (fail closed) or when they were withdrawn while
    /// it was read: the withdrawal takes them out of the tables before its first suspension, so
    /// a customer still in the tables here has not been withdrawn, and no suspension follows
    /// before the delivery begins (which the withdrawal then waits for).
    private func profile(of customer: CustomerID) async -> CustomerProfile? {
        if let cached = profiles.profile(of: customer) { return cached }
        guard let registry else { return nil }
        let generation = profiles.generation
        let read: CustomerProfile?
        do {
            read = try await registry.profile(of: customer)
        } catch {
            // By type only: a registry error can carry a customer ID.
            logger.error("could not read a recognised customer's profile; no prompt", metadata: ["error": "\(type(of: error))"])
            return nil
        }
        guard let read, recogniser.contains(customer: customer) else { return nil }
        profiles.store(read, readAt: generation)
        return read
    }

    /// One ledger entry per prompt, each durable before its prompt shows (fail closed,
    /// invariant 4). If one cannot be written, it and the rest are not shown.
    private func deliver(_ prompts: [Prompt], of recognition: Recognition, ledger: Ledger) async {
        let ticket = deliveries.begin()
        defer {
            deliveries.end(ticket)
            if deliveries.isIdle { withdrawnDuringDelivery.removeAll() }
        }
        for (index, prompt) in prompts.enumerated() {
            let entry: LedgerEntry
            do {
                // Suspends rather than blocking a thread; concurrent appends share an fsync.
                entry = try await ledger.submit(LedgerDraft(
                    time: recognition.time, kind: .recognition, customer: recognition.customer,
                    scheme: recognition.scheme, till: prompt.till, prompt: prompt.id, detail: "prompt=\(prompt.kind.rawValue)"))
            } catch {
                for unshown in prompts[index...] { policy.forget(unshown) }
                metrics.ledgerFailures.increment()
                logger.error("ledger append failed; prompt not shown", metadata: ["error": "\(error)", "till": "\(prompt.till)"])
                onEvent(.promptWithheld(customer: recognition.customer, reason: "ledger append failed: \(error)"))
                return
            }
            metrics.ledgerEntries.increment()
            // Withdrawn while the entry was written: not shown. The withdrawal waits for this
            // delivery before the ledger is unlinked, so the entry will not name them.
            guard !withdrawnDuringDelivery.contains(recognition.customer) else { return }
            await hub?.show(prompt)
            metrics.prompts.increment()
            onEvent(.greeted(prompt, ledgerSeq: entry.seq))
        }
    }

    /// Staff acknowledged or dismissed a prompt: recorded durably before the page is told it
    /// worked, through the group commit (sightings keep flowing while it is written).
    public func record(_ action: TillAction, at time: Date) async throws {
        guard let ledger else { return }
        let draft: LedgerDraft
        switch action {
        case let .acknowledge(promptID, till):
            draft = LedgerDraft(time: time, kind: .acknowledgement, till: till, prompt: promptID)
        case let .dismiss(promptID, till):
            draft = LedgerDraft(time: time, kind: .dismissal, till: till, prompt: promptID)
        }
        let entry = try await ledger.submit(draft)
        metrics.ledgerEntries.increment()
        onEvent(.tillAction(action, ledgerSeq: entry.seq))
    }

    public func sweep(now: Date) {
        policy.sweep(now: now)
        zones?.sweep(now: now)
    }
}

// MARK: - Reload (SIGHUP): new settings for the stages, their state kept

extension Pipeline {
    /// A reloaded config's policy (offers, templates, tills, cool-downs, quiet hours) and zones.
    /// The cool-downs are kept, and each customer's zone where that zone is configured as before.
    public func reconfigure(policy settings: PolicySettings, zones newZones: ZoneTracker?) {
        policy.replaceSettings(settings)
        if var tracker = zones, let newZones {
            tracker.reconfigure(zones: newZones.zones, tuning: newZones.tuning)
            zones = tracker
        } else {
            zones = newZones
        }
    }

    public var recogniserSettings: RecogniserSettings { recogniser.settings }

    /// Changed recognition settings (enabled, company ID, skew, static identifiers, RPA bound): a
    /// recogniser with the new settings is filled from the registry while the old one keeps
    /// matching, then takes over in one step, so no sighting goes unmatched in between. Called
    /// through the ConsentApplier only, so no withdrawal is applied while the registry is read:
    /// one that came first is in the snapshot, one that comes after is applied after this.
    func replaceRecogniser(settings: RecogniserSettings, at time: Date) async throws {
        var fresh = Recogniser(settings: settings, pepper: registry?.pepper ?? [])
        var snapshot = ConsentSnapshot(changeCounter: 0, keys: [])
        if settings.enabled, let registry { snapshot = try await registry.snapshot(at: time, withTokenKeys: true) }
        fresh.reconcile(with: snapshot.keys, at: time, tokenKeys: snapshot.wlk1TokenKeys)
        var departed: [CustomerID] = []
        recogniser.forEachCustomer { if !fresh.contains(customer: $0) { departed.append($0) } }
        recogniser = fresh
        profiles.invalidateAll()
        metrics.recognitionEnabled.set(settings.enabled ? 1.0 : 0.0)
        metrics.activeConsents.set(Double(recogniser.customerCount))
        for customer in departed { forgetState(of: customer) }
        if !departed.isEmpty {
            await finishDeliveriesBegunSoFar()
            for customer in departed { await hub?.removePrompts(of: customer) }
        }
        if settings.enabled { logger.notice("\(rpaBoundNotice)") }
        onEvent(.consentsReloaded(customers: recogniser.customerCount))
    }
}

/// A replay's sweep clock: due every `interval` seconds of sighting time, counted from the first.
struct SightingTimeSweeps {
    let interval: TimeInterval
    private var last: Date?

    init(interval: TimeInterval) { self.interval = interval }

    mutating func due(at time: Date) -> Bool {
        guard let last else { self.last = time; return false }
        guard time.timeIntervalSince(last) >= interval else { return false }
        self.last = time
        return true
    }
}
