import Benchmark
import Foundation
import Logging
import ServiceLifecycle
import WelkomAgent
import WelkomConfig
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry

/// Issue 6's figure: from a sighting entering the recogniser to its prompt arriving on a
/// connected till page, under a background of 1,000 reports a second from strangers.
///
/// The whole agent runs as `welkom run` runs it (AgentRuntime: recogniser, policy, ledger with
/// durable appends, till hub over HTTP with pairing); a paired SSE client reads the stream over a
/// real TCP connection. The agent starts once (setup); each measured iteration is one enrolled
/// customer's sighting (the cool-down is 0, so each one yields exactly one greeting) timed until
/// the `prompt` event is read.
let benchmarks: @Sendable () -> Void = {
    Benchmark("Sighting to prompt on a till page (p50/p99), 1,000 stranger reports/s in the background",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds,
                                   warmupIterations: 50, maxDuration: .seconds(30), maxIterations: 5000,
                                   setup: { try await Shared.store.start() }, teardown: { await Shared.store.stop() })) { benchmark in
        guard let store = await Shared.store.current else { return }
        let now = Date()
        let token = WLK1.token(beaconKey: store.beaconKey, at: now) ?? Block128(hi: 0, lo: 0)
        let sighting = Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: token), rssi: -50, till: "1",
                                source: .radio)
        benchmark.startMeasurement()
        await store.runtime.pipeline.handle(sighting)
        _ = await store.client.nextArrival()
        benchmark.stopMeasurement()
    }
}

/// The one agent all iterations share.
enum Shared {
    static let store = StoreHolder()
}

actor StoreHolder {
    private(set) var current: LatencyStore?

    func start() async throws {
        if current == nil { current = try await LatencyStore.start() }
    }

    func stop() async {
        await current?.stop()
        current = nil
    }
}

/// The agent, one enrolled customer, 1,000 stranger reports a second, and a paired page.
final class LatencyStore: Sendable {
    let runtime: AgentRuntime
    let client: SSEClient
    let beaconKey = Block128(hi: 0x0011_2233_4455_6677, lo: 0x8899_AABB_CCDD_EEFF)
    private let group: ServiceGroupHandle
    private let directory: URL

    private init(runtime: AgentRuntime, client: SSEClient, group: ServiceGroupHandle, directory: URL) {
        self.runtime = runtime
        self.client = client
        self.group = group
        self.directory = directory
    }

    static func start() async throws -> LatencyStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-latency-\(UUID().uuidString)")
        var config = WelkomConfig.defaults
        config.data.dir = directory.path
        config.recognition.enabled = true
        config.recognition.dpiaReference = "BENCHMARK"
        config.radio.transport = ""
        config.tillDisplay.port = Int.random(in: 20000...40000)
        config.policy.greetingCooldownMinutes = 0
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let runtime = try AgentRuntime(config: config, dataDirectory: directory, logger: logger)
        try runtime.registry.enroll(Enrolment(customer: "anna", scopes: [.greeting, .name], name: "Anna",
                                              beaconKey: Block128(hi: 0x0011_2233_4455_6677, lo: 0x8899_AABB_CCDD_EEFF)))
        let handle = ServiceGroupHandle()
        Task {
            try await runtime.run(sources: [StrangerReports(perSecond: 1000)]) { group in handle.set(group) }
        }
        // Pair the benchmark's page as a display would, then connect once the server listens.
        let code = try runtime.pairings.issueCode(till: "1", now: Date())
        guard let token = try runtime.pairings.redeem(code: code, now: Date())?.token else {
            throw POSIXError(.EPERM)
        }
        var client: SSEClient?
        for _ in 0..<200 where client == nil {
            client = try? SSEClient(port: config.tillDisplay.port, path: "/till/1/events", token: token)
            if client == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let client else { throw POSIXError(.ECONNREFUSED) }
        return LatencyStore(runtime: runtime, client: client, group: handle, directory: directory)
    }

    func stop() async {
        client.close()
        await group.get()?.triggerGracefulShutdown()
        try? await Task.sleep(for: .seconds(1))
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Holds the agent's ServiceGroup once it exists, to stop it at the end.
final class ServiceGroupHandle: @unchecked Sendable {
    // @unchecked: `group` is only touched under `lock`.
    private let lock = NSLock()
    private var group: ServiceGroup?
    func set(_ g: ServiceGroup) { lock.lock(); group = g; lock.unlock() }
    func get() -> ServiceGroup? { lock.lock(); defer { lock.unlock() }; return group }
}

/// 1,000 WLK1 reports a second from phones nobody enrolled, in batches of 10 every 10 ms.
struct StrangerReports: SightingSource {
    let name = "strangers"
    let perSecond: Int

    func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {
        var rng = SystemRandomNumberGenerator()
        let keys = (0..<200).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
        let batch = perSecond / 100
        var i = 0
        var next = ContinuousClock.now
        while !Task.isCancelled {
            next += .milliseconds(10)
            try await Task.sleep(until: next, clock: .continuous)
            let now = Date()
            for _ in 0..<batch {
                let token = WLK1.token(beaconKey: keys[i % keys.count], at: now) ?? Block128(hi: 0, lo: 0)
                i += 1
                await onSighting(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: token), rssi: -70, source: .radio))
            }
        }
    }
}
