import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import WelkomCards
import WelkomConfig
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomPoleDisplay
import WelkomPolicy
import WelkomRecogniser
import WelkomRegistry
import WelkomStorage
import WelkomTillHub
import WelkomZones

/// The running agent: stores opened, stages wired, the till hub's HTTP server and every
/// source started, all under one ServiceGroup so SIGTERM/SIGINT stop it cleanly.
/// `welkom run` builds it from the config's sources; `welkom demo` from simulated ones.
public final class AgentRuntime: Sendable {
    public let config: WelkomConfig
    public let dataDirectory: URL
    public let registry: ConsentRegistry
    public let ledger: Ledger
    public let pipeline: Pipeline
    public let hub: TillHub
    /// DATA/till-pairings.sqlite: the paired till displays.
    public let pairings: PairingStore
    public let poleDisplays: [PoleDisplay]
    public let metrics: AgentMetrics
    /// Applies consent changes to the pipeline in order: from the control socket, and from this
    /// process through `consents`.
    public let applier: ConsentApplier
    /// Chain mode: where the desk writes (`attachChain(desk:)`), kept for config reloads.
    let chainDesk = Mutex<(any TillCentralRegistry)?>(nil)
    /// More lines for /healthz (`attachHealth(_:)`): chain mode's sync.
    let healthNotes = Mutex<[@Sendable () -> HealthNote]>([])
    /// Consent changes made in this process (the demo's enrolments): applied before they return.
    public var consents: ConsentService {
        ConsentService(registry: registry, ledger: ledger, agent: applier, clock: clock)
    }
    let logger: Logger
    let clock: any WelkomClock

    public init(config: WelkomConfig, dataDirectory: URL, logger: Logger, clock: any WelkomClock = SystemClock(),
                onEvent: @escaping @Sendable (AgentEvent) -> Void = { _ in }) throws {
        self.config = config
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.clock = clock
        // Invariant 9: a directory or key file someone else could write or plant is refused
        // before anything is read from it (DataDirectoryError names each path and its fix).
        try DataDirectory.prepare(dataDirectory)
        registry = try ConsentRegistry(dataDirectory: dataDirectory)
        ledger = try Ledger(dataDirectory: dataDirectory)
        metrics = AgentMetrics()
        let recogniser = Recogniser(settings: StageSettings.recogniser(config), pepper: registry.pepper)
        let policy = Policy(settings: StageSettings.policy(config))
        let pipeline = Pipeline(recogniser: recogniser, policy: policy, ledger: ledger, registry: registry,
                                metrics: metrics, logger: logger, zones: StageSettings.zoneTracker(config.zones), onEvent: onEvent)
        self.pipeline = pipeline
        applier = ConsentApplier(pipeline: pipeline, clock: clock, logger: logger)
        pairings = try PairingStore(dataDirectory: dataDirectory)
        let poles = StageSettings.poleDisplays(config).map { PoleDisplay($0, logger: logger) }
        poleDisplays = poles
        hub = TillHub(tills: StageSettings.tills(config),
                      logger: logger,
                      pairings: pairings, secureCookies: config.tillDisplay.usesTLS,
                      tokenLifetime: TimeInterval(config.tillDisplay.tokenLifetime),
                      hosts: TillDisplayServer.hosts(config.tillDisplay),
                      onShown: { prompt in for pole in poles { pole.submit(prompt) } }) { [clock] action in
            try await pipeline.record(action, at: clock.now())
        }
        hub.attach(consents: tillConsents(config))
    }

    /// What the till and desk pages' consent changes go through, with `config`'s settings.
    func tillConsents(_ config: WelkomConfig) -> TillConsents {
        TillConsents(service: consents, companyID: config.recognition.companyID,
                     exemptions: StageSettings.paymentCardExemptions(config),
                     doNotAskLifetime: TimeInterval(config.tillDisplay.doNotAskLifetime), clock: clock,
                     chainMode: config.chain.enabled, central: chainDesk.withLock { $0 }, logger: logger)
    }

    /// A line /healthz adds after the sources' (before `run`): chain mode says where its sync stands.
    public func attachHealth(_ note: @escaping @Sendable () -> HealthNote) {
        healthNotes.withLock { $0.append(note) }
    }

    /// Chain mode: the desk enrols and withdraws in the chain's central registry through `desk`.
    public func attachChain(desk: any TillCentralRegistry) {
        chainDesk.withLock { $0 = desk }
        hub.attach(consents: tillConsents(config))
    }

    /// How often the pipeline forgets stale state (cool-downs, customers who left the zones);
    /// `welkom replay` sweeps at the same interval of capture time.
    public static let sweepIntervalSeconds: Double = 60

    /// The HTTP servers: till pages and streams on `till_display.listen`, /metrics and /healthz
    /// on `metrics.listen` (AgentHTTPServers, MetricsServer.swift).
    func makeApplication(sources: [any SightingSource], health: SourceHealth? = nil) throws -> some Service {
        try AgentHTTPServers.make(runtime: self, sources: sources, health: health ?? SourceHealth(sources: sources))
    }

    /// Runs until SIGTERM/SIGINT (or `shutdown` is triggered through the returned group handle).
    /// With `reloadingFrom` (the config file the sources were made from), SIGHUP reloads it (ConfigReloader).
    public func run(sources: [any SightingSource], reloadingFrom configPath: String? = nil,
                    onServiceGroup: @Sendable (ServiceGroup) -> Void = { _ in }) async throws {
        // Said at every start: recognition off, a testing company ID, recording bystanders, …
        for notice in config.startupNotices { logger.warning("\(notice)") }
        // Listening before loading: a change made while the registry loads waits its turn in the
        // applier and is applied after the load, never lost between the two.
        let control = try await AgentControlServer.start(dataDirectory: dataDirectory, applier: applier, logger: logger)
        if config.recognitionActive {
            try await pipeline.reloadConsents(at: clock.now())
            // Reading the registry is the agent's largest transient allocation (every consent's
            // row and key material, then the tables built from them); hand the freed pages back
            // rather than keep them resident for months (a third of RSS with 100,000 enrolled).
            ReleaseFreedMemory.now()
            let rpaNotice = await pipeline.rpaBoundNotice
            logger.notice("\(rpaNotice)")
        }
        await pipeline.attach(hub)
        await pipeline.attach(cardScans: DoNotAskNotes(hub: hub, registry: registry, ledger: ledger,
                                                       lifetime: TimeInterval(config.policy.promptLifetimeSeconds), logger: logger))
        // Trapped before "welkom started": a SIGHUP from then on reloads instead of killing the agent.
        let hangups = await ConfigReloader.trapHangups()
        let customers = await pipeline.customerCount
        logger.info("welkom started", metadata: [
            "recognition": "\(config.recognitionActive ? "on" : "off")", "customers": "\(customers)",
            "tills": "\(config.tills.count)", "listen": "\(config.tillDisplay.host):\(config.tillDisplay.port)",
            "data": "\(dataDirectory.path)",
        ])
        let health = SourceHealth(sources: sources, notes: healthNotes.withLock { $0 })
        let background = BackgroundWork(runtime: self, sources: sources, health: health, hangups: hangups, configPath: configPath)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: try makeApplication(sources: sources, health: health)), .init(service: background)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        onServiceGroup(group)
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EADDRNOTAVAIL
            || error.errnoCode == EACCES {
            await control.stop()
            throw AgentError.cannotListen(address: "\(config.tillDisplay.host):\(config.tillDisplay.port)",
                                          reason: String(cString: strerror(error.errnoCode)))
        }
        await control.stop()
        await ledgerHousekeeping.checkpoint(reason: "shutdown")
        for display in poleDisplays { await display.clearIfShowing() }
        logger.info("welkom stopped")
    }

    /// Sources, the consent watcher and housekeeping, as one service.
    struct BackgroundWork: Service {
        let runtime: AgentRuntime
        let sources: [any SightingSource]
        let health: SourceHealth
        let hangups: HangupSignals
        let configPath: String?

        func run() async throws {
            let pipeline = runtime.pipeline
            let logger = runtime.logger
            // Each source in its own task (RunningSources), so a reload can restart one of them.
            let running = RunningSources(pipeline: pipeline, logger: logger, health: health) { source, error in
                // One source failing (no adapter, reader gone for good) must not stop the others.
                logger.error("\(health.recordStop(source, error: error))",
                             metadata: ["source": "\(source.name)", "error": "\(error)"])
            }
            let keys = configPath == nil ? nil : (try? AgentSources.plan(config: runtime.config, logger: logger))?.map(\.key)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await running.run(initial: sources, keys: keys) }
                group.addTask {
                    await ConfigReloader(runtime: runtime, path: configPath, sources: running).run(hangups)
                }
                group.addTask { await runtime.applier.run() }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(AgentRuntime.sweepIntervalSeconds))
                        await pipeline.sweep(now: runtime.clock.now())
                    }
                }
                group.addTask { await runtime.ledgerHousekeeping.run() }
                try? await gracefulShutdown()
                group.cancelAll()
            }
        }
    }
}
