import Logging
import WelkomCards
import WelkomConfig
import WelkomRadio

/// One source the config asks for, named by everything in the config that shapes it: a reload
/// restarts a source only when its key changed, and leaves every other one running.
public struct SourcePlan: Sendable {
    public let key: String
    /// Opens nothing until called (a recorder truncates its file), so unchanged sources are not touched.
    let make: @Sendable () throws(AgentSources.Problem) -> any SightingSource
}

extension AgentSources {
    /// The sources of `config` in `make`'s order, each with its key. Checks what `make` checks
    /// (transport specs, readers) before anything is built, so a config refused here changes nothing.
    public static func plan(config: WelkomConfig, logger: Logger) throws(Problem) -> [SourcePlan] {
        var plans: [SourcePlan] = []
        let radio = config.radio
        let options = StageSettings.radioOptions(radio)
        // Shared by every receiver: a change restarts them all.
        let radioKey = "record=\(radio.record) record_format=\(radio.recordFormat) flow_control=\(radio.flowControl) kernel_channel=\(radio.kernelChannel)"
        let transport = radio.transport.trimmingCharacters(in: .whitespaces)
        if !transport.isEmpty {
            let spec: TransportSpec
            do { spec = try TransportSpec(parsing: transport) } catch {
                throw Problem(key: "radio.transport", message: "\(error)")
            }
            plans.append(SourcePlan(key: "radio transport=\(transport) name=\(radio.name) \(radioKey)") { () throws(Problem) in
                RadioSource(spec: spec, logger: logger, recorder: try recorder(radio, receiver: radio.name, spec: spec),
                            receiver: radio.name, options: options)
            })
        }
        for (index, receiver) in radio.receivers.enumerated() {
            let spec: TransportSpec
            do { spec = try TransportSpec(parsing: receiver.transport) } catch {
                throw Problem(key: "radio.receiver[\(index + 1)].transport", message: "\(error)")
            }
            plans.append(SourcePlan(key: "receiver \(receiver) \(radioKey)") { () throws(Problem) in
                RadioSource(spec: spec, logger: logger, recorder: try recorder(radio, receiver: receiver.name, spec: spec),
                            receiver: receiver.name, options: options)
            })
        }
        for (index, reader) in try StageSettings.readers(config).enumerated() {
            // [cards] reaches every reader (the payment-card exemptions), so it is part of each key.
            plans.append(SourcePlan(key: "reader \(config.readers[index]) cards=\(config.cards)") {
                makeReader(reader, logger: logger)
            })
        }
        return disambiguated(plans)
    }

    /// Two identical entries (a config may list the same reader twice) get distinct keys.
    static func disambiguated(_ plans: [SourcePlan]) -> [SourcePlan] {
        var seen: [String: Int] = [:]
        return plans.map { plan in
            let n = seen[plan.key, default: 0]
            seen[plan.key] = n + 1
            return n == 0 ? plan : SourcePlan(key: "\(plan.key) #\(n + 1)", make: plan.make)
        }
    }
}

/// The running sources, each in its own task, keyed by its plan. A source that fails is logged
/// and the others keep running; a reload stops the sources whose key went and starts the new ones.
actor RunningSources {
    private var running: [String: (source: any SightingSource, task: Task<Void, Never>)] = [:]
    private let pipeline: Pipeline
    private let logger: Logger
    /// Told which sources run after a reload, so /healthz and /metrics describe those.
    private let health: SourceHealth?
    /// Told when a source's `run` threw: it stays stopped (the agent's health says so).
    private let onStop: @Sendable (any SightingSource, any Error) -> Void

    init(pipeline: Pipeline, logger: Logger, health: SourceHealth? = nil,
         onStop: @escaping @Sendable (any SightingSource, any Error) -> Void) {
        self.pipeline = pipeline
        self.logger = logger
        self.health = health
        self.onStop = onStop
    }

    /// The sources running now (for /metrics).
    var sources: [any SightingSource] { running.values.map(\.source) }

    func start(_ source: any SightingSource, key: String) {
        let pipeline = self.pipeline, onStop = self.onStop
        let task = Task {
            do {
                if let radio = source as? RadioSource {
                    // A read's reports in one step into the pipeline, not one each.
                    try await radio.runInBatches(onSightings: { await pipeline.handle(batch: $0) })
                } else if let reader = source as? any CardReaderSource {
                    // Readers hear back whether the card was recognised (the ACR122U's LED).
                    try await reader.run { await pipeline.handle($0) ? .recognised : .notRecognised }
                } else {
                    try await source.run { sighting in await pipeline.handle(sighting) }
                }
            } catch is CancellationError {
            } catch {
                onStop(source, error)
            }
        }
        running[key] = (source, task)
    }

    /// Stops what is no longer planned (and waits, so a reader restarted with new settings finds
    /// its device free), then starts what is new. Returns the names stopped and started.
    func replace(with plans: [SourcePlan]) async -> (stopped: [String], started: [String]) {
        let wanted = Set(plans.map(\.key))
        var stopped: [String] = []
        var stoppedSources: [any SightingSource] = []
        for (key, entry) in running where !wanted.contains(key) {
            entry.task.cancel()
            await entry.task.value
            running[key] = nil
            stopped.append(entry.source.name)
            stoppedSources.append(entry.source)
        }
        var started: [String] = []
        for plan in plans where running[plan.key] == nil {
            do {
                let source = try plan.make()
                start(source, key: plan.key)
                started.append(source.name)
            } catch {
                logger.error("source not started after a reload", metadata: ["error": "\(error)"])
            }
        }
        health?.replaced(stopped: stoppedSources, running: plans.compactMap { running[$0.key]?.source })
        return (stopped, started)
    }

    /// Runs `initial` (keyed by `keys` when the two match, else not reloadable) until cancelled,
    /// then stops every source.
    func run(initial: [any SightingSource], keys: [String]?) async {
        for (index, source) in initial.enumerated() {
            start(source, key: (keys?.count == initial.count ? keys?[index] : nil) ?? "unplanned #\(index)")
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        for entry in running.values { entry.task.cancel() }
        for entry in running.values { await entry.task.value }
        running = [:]
    }
}
