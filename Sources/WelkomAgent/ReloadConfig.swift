import Logging
import ServiceLifecycle
import UnixSignals
import Synchronization
import WelkomConfig
import WelkomConsent

/// SIGHUP, trapped by swift-service-lifecycle's signal sequence.
typealias HangupSignals = UnixSignalsSequence

/// `systemctl reload welkom` (SIGHUP): the config file is read and checked again and applied
/// without a restart — tills, offers, templates, policy, zones, recognition and the sources —
/// keeping the cool-downs, the zones' state, open till streams and every source whose config is
/// unchanged. A config that fails the check is refused (each problem logged as
/// `FILE:LINE: key: what is wrong`) and the running one kept. What only a restart can change
/// (data.dir, till_display, metrics.listen, log, ledger, pole displays) is logged and kept.
final class ConfigReloader: Sendable {
    private let runtime: AgentRuntime
    /// The file `welkom run` read; nil when it started on the embedded defaults.
    private let path: String?
    private let sources: RunningSources
    /// The config in effect: the reloaded one, with the sections that need a restart as started.
    private let effective: Mutex<WelkomConfig>

    init(runtime: AgentRuntime, path: String?, sources: RunningSources) {
        self.runtime = runtime
        self.path = path
        self.sources = sources
        effective = Mutex(runtime.config)
    }

    /// From this call on, a SIGHUP is queued for `run` instead of killing the process.
    static func trapHangups() async -> HangupSignals {
        await UnixSignalsSequence(trapping: .sighup)
    }

    /// Reloads on each signal until the sequence ends (the agent stops).
    func run(_ hangups: HangupSignals) async {
        for await _ in hangups {
            await reload()
        }
    }

    func reload() async {
        let logger = runtime.logger
        guard let path else {
            logger.warning("SIGHUP: nothing to reload, the agent runs on the embedded defaults (start it with --config)")
            return
        }
        var new: WelkomConfig
        let plans: [SourcePlan]
        do {
            new = try WelkomConfig.load(path: path)
        } catch {
            for issue in error.issues { logger.error("config reload refused: \(issue)") }
            logger.error("config reload refused; the running config is kept", metadata: ["config": "\(path)"])
            return
        }
        do { plans = try AgentSources.plan(config: new, logger: logger) } catch {
            logger.error("config reload refused: \(path): \(error)")
            logger.error("config reload refused; the running config is kept", metadata: ["config": "\(path)"])
            return
        }
        let old = effective.withLock { $0 }
        for (key, changed) in Self.needsRestart(old, new) where changed {
            logger.warning("config change needs a restart; the running value is kept", metadata: ["key": "\(key)"])
        }
        new.data = old.data
        new.tillDisplay = old.tillDisplay
        new.log = old.log
        new.ledger = old.ledger
        new.poleDisplays = old.poleDisplays
        new.metrics = old.metrics

        let pipeline = runtime.pipeline
        await pipeline.reconfigure(policy: StageSettings.policy(new), zones: StageSettings.zoneTracker(new.zones))
        await runtime.hub.updateTills(StageSettings.tills(new))
        // The desk's key URIs and typed cards follow the new company ID and card prefixes.
        runtime.hub.attach(consents: runtime.tillConsents(new))
        let recognition = StageSettings.recogniser(new)
        if recognition != (await pipeline.recogniserSettings) {
            do {
                // In the applier's order: never between a withdrawal and the registry read it follows.
                try await runtime.applier.replaceRecogniser(settings: recognition)
            } catch {
                logger.error("recognition settings reloaded, but the consents could not be loaded", metadata: ["error": "\(error)"])
            }
            for notice in new.startupNotices { logger.warning("\(notice)") }
        }
        let (stopped, started) = await sources.replace(with: plans)
        effective.withLock { $0 = new }
        logger.notice("config reloaded", metadata: [
            "config": "\(path)", "changed": "\(Self.changedSections(old, new).joined(separator: ","))",
            "sources_restarted": "\(started.count)", "sources_stopped": "\(stopped.count)",
            "recognition": "\(new.recognitionActive ? "on" : "off")", "tills": "\(new.tills.count)",
        ])
    }

    /// The sections a running agent cannot take over, and whether each changed.
    static func needsRestart(_ old: WelkomConfig, _ new: WelkomConfig) -> [(String, Bool)] {
        [("data.dir", old.data != new.data),
         ("till_display (listen address, TLS)", old.tillDisplay != new.tillDisplay),
         ("log", old.log != new.log),
         ("ledger", old.ledger != new.ledger),
         ("pole_display", old.poleDisplays != new.poleDisplays),
         ("metrics.listen", old.metrics != new.metrics)]
    }

    /// What a reload changed, by section, for the log line.
    static func changedSections(_ old: WelkomConfig, _ new: WelkomConfig) -> [String] {
        var changed: [String] = []
        if old.recognition != new.recognition { changed.append("recognition") }
        if old.radio != new.radio { changed.append("radio") }
        if old.zones != new.zones { changed.append("zones") }
        if old.readers != new.readers { changed.append("reader") }
        if old.cards != new.cards { changed.append("cards") }
        if old.tills != new.tills { changed.append("till") }
        if old.policy != new.policy { changed.append("policy") }
        if old.templates != new.templates { changed.append("templates") }
        if old.offers != new.offers { changed.append("offer") }
        return changed.isEmpty ? ["nothing"] : changed
    }
}
