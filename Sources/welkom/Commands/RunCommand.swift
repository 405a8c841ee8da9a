import ArgumentParser
import Foundation
import WelkomAgent
import Prometheus
import WelkomChain
import WelkomStorage

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The agent, headless (under systemd).",
        discussion: "SIGHUP (systemctl reload welkom) re-reads the config file; one that fails the check is refused and the running one kept. Exit codes: 0 clean stop, 64 usage, 78 bad config.")

    @Option(help: ArgumentHelp("The config file (default /etc/welkom/welkom.toml, else embedded defaults).", valueName: "PATH"))
    var config: String?

    func run() async throws {
        let (cfg, origin) = try loadConfig(path: config)
        let logger = bootstrapLogging(format: cfg.log.format.rawValue, level: cfg.log.level.rawValue, toStdout: true)
        let sources: [any SightingSource]
        do { sources = try AgentSources.make(config: cfg, logger: logger) } catch {
            printError("\(origin): \(error)")
            throw Exit.config
        }
        logger.info("config loaded", metadata: ["from": "\(origin)"])
        let runtime: AgentRuntime
        do {
            runtime = try AgentRuntime(config: cfg, dataDirectory: URL(fileURLWithPath: cfg.data.dir), logger: logger) { event in
                switch event {
                case let .greeted(prompt, seq):
                    // The ledger seq, not the customer ID: journald keeps lines for months, and only
                    // the ledger can be unlinked when a customer withdraws.
                    logger.info("prompt shown", metadata: ["till": "\(prompt.till)", "scheme": "\(prompt.scheme.rawValue)",
                                                           "ledger_seq": "\(seq)"])
                case let .tillAction(action, seq):
                    logger.info("till action recorded", metadata: ["action": "\(action)", "ledger_seq": "\(seq)"])
                case let .consentsReloaded(customers):
                    logger.info("consents loaded", metadata: ["customers": "\(customers)"])
                case let .promptWithheld(_, reason):
                    logger.warning("prompt withheld", metadata: ["reason": "\(reason)"])
                }
            }
        } catch let refused as DataDirectoryError {
            // Invariant 9: not ours alone. Exit 73 (EX_CANTCREAT), each problem with its fix.
            logger.critical("refusing to start: the data directory is not the agent's alone",
                            metadata: ["dir": "\(refused.directory)", "problems": "\(refused.problems.count)"])
            for problem in refused.problems { printError("\(problem)") }
            throw Exit.cantCreate
        } catch {
            logger.critical("cannot open the data directory", metadata: ["dir": "\(cfg.data.dir)", "error": "\(error)"])
            throw Exit.ioError
        }
        // Chain mode: the central registry's changes reach the pipeline through the agent's own
        // ConsentApplier, in its order; the store's ledger ships from here.
        var chainSync: Task<Void, Never>?
        if cfg.chain.enabled {
            do {
                // On /metrics: whether the chain database is reachable (the log says so too), how far
                // this store has read the change log, and how many ledger entries wait to ship.
                let registry = runtime.metrics.registry
                let connected = registry.makeGauge(name: "welkom_chain_connected")
                let cursor = registry.makeGauge(name: "welkom_chain_cursor")
                let queued = registry.makeGauge(name: "welkom_chain_ledger_queued")
                let status = ChainSyncStatus { state in
                    connected.set(to: state.connected ? 1 : 0)
                    cursor.set(to: Double(state.cursor))
                    queued.set(to: Double(state.entriesQueued))
                }
                // On /healthz: a line saying where the sync stands; unreachable is "degraded" (200).
                let store = cfg.chain.store
                runtime.attachHealth {
                    let (line, degraded) = status.current.health(store: store, now: Date())
                    return HealthNote(line: line, degraded: degraded)
                }
                // A CA file that cannot be read is a config error now, not an outage retried for ever.
                try ChainURL(cfg.chain.postgres).checkTLSFiles()
                let sync = ChainSync(url: try ChainURL(cfg.chain.postgres), key: try ChainKey.load(path: cfg.chain.keyFile),
                                     store: cfg.chain.store, registry: runtime.registry, ledger: runtime.ledger,
                                     agent: runtime.applier, dataDirectory: runtime.dataDirectory, logger: logger,
                                     status: status)
                // The desk enrols and withdraws centrally, through the store login's narrow functions.
                runtime.attachChain(desk: ChainDesk(url: try ChainURL(cfg.chain.postgres), key: try ChainKey.load(path: cfg.chain.keyFile),
                                                    logger: logger))
                logger.info("chain mode", metadata: ["store": "\(cfg.chain.store)", "postgres": "\((try? ChainURL(cfg.chain.postgres))?.description ?? "")"])
                chainSync = Task { await sync.run() }
            } catch {
                logger.critical("\(error)")
                throw Exit.config
            }
        }
        defer { chainSync?.cancel() }
        do {
            // SIGHUP re-reads the file the agent started from (none with the embedded defaults).
            try await runtime.run(sources: sources, reloadingFrom: config ?? (origin == "embedded defaults" ? nil : origin))
        } catch let error as AgentError {
            logger.critical("\(error)")
            throw Exit.ioError
        }
    }
}
