// Chain mode's three figures (issue 14), on a throw-away PostgreSQL cluster on loopback:
//   1. withdrawal propagation to 50 connected store syncs (goal p99 < 1 s),
//   2. ledger shipping into PostgreSQL (goal ≥ 20,000 entries/s),
//   3. initial sync of N consents (default 1,000,000) into an empty gateway (goal < 30 s).
// Run from Benchmarks/: swift run -c release ChainBenchmarks [CONSENTS]
// CHAIN_BENCH=propagation,ship,load picks some of the three (default all), e.g. to profile one.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import WelkomChain
import WelkomConsent
import WelkomCore
import WelkomLedger
import WelkomRegistry

let consentCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let storeCount = 50
let withdrawals = 20
let shippedEntries = 200_000
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("welkom-chainbench-\(getpid())")
let clusterDir = URL(fileURLWithPath: "/tmp/welkom-chainbench-pg-\(getpid())")
let quiet: Logger = {
    var l = Logger(label: "bench")
    l.logLevel = .error
    return l
}()

/// Tests/Tools/pg-cluster.sh, as PostgresCluster in the tests runs it.
func cluster(_ command: String) throws -> String {
    let log = clusterDir.path + ".\(command).log"
    defer { try? FileManager.default.removeItem(atPath: log) }
    guard spawnShell([repository.appendingPathComponent("Tests/Tools/pg-cluster.sh").path, command, clusterDir.path], log: log) == 0 else {
        throw ChainError.unreachable(url: "pg-cluster.sh \(command)", reason: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "failed")
    }
    let url = command == "start" ? (try? String(contentsOfFile: clusterDir.path + "/url", encoding: .utf8)) ?? "" : ""
    return url.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs /bin/sh SCRIPT ARGS… with stdout to /dev/null and stderr to `log`; returns its exit status.
/// posix_spawn and waitpid rather than Foundation's Process: on Linux, Process learns of the exit
/// on a run loop that an async test or an async main never turns, and waits forever.
func spawnShell(_ arguments: [String], log: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/sh"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// When each store's agent was told of each withdrawal.
final class TimingAgent: AgentLink, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [CustomerID: ContinuousClock.Instant] = [:]
    func apply(_ change: ConsentChange) async throws -> AgentNotice {
        if case let .withdrawn(c) = change { lock.withLock { seen[c] = .now } }
        return .applied
    }
    func time(of c: CustomerID) -> ContinuousClock.Instant? { lock.withLock { seen[c] } }
}

/// CHAIN_BENCH_CARDS=1: every consent also holds a loyalty card (a pseudonym to derive and a row
/// more to write at each store).
let withCards = ProcessInfo.processInfo.environment["CHAIN_BENCH_CARDS"] == "1"

func enrolment(_ i: Int) -> Enrolment {
    Enrolment(customer: "bench-\(i)", scopes: [.greeting, .name], name: "Klant \(i)",
              beaconKey: Block128(hi: 0xBE4C_0000_0000_0000 | UInt64(i), lo: UInt64(i) &* 0x9E37_79B9_7F4A_7C15),
              cards: withCards ? [String(8_700_000_000_000 + i)] : [])
}

func fill(_ ledger: Ledger, entries: Int) throws {
    var done = 0
    while done < entries {
        let n = min(10_000, entries - done)
        _ = try ledger.append(contentsOf: (0..<n).map { i in
            LedgerDraft(time: Date(), kind: .recognition, customer: "bench-\(done + i)", scheme: .wlk1, till: "1", prompt: "p\(i)")
        })
        done += n
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func dataDirectory(_ name: String) throws -> URL {
    let dir = work.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return dir
}

/// Each figure with the load average beside it: the machine is shared.
func progress(_ text: String) {
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    FileHandle.standardError.write(Data("… \(text) [load \(load)]\n".utf8))
}

/// User + system CPU seconds of this process so far (its threads, not the PostgreSQL server's).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let phases = Set((ProcessInfo.processInfo.environment["CHAIN_BENCH"] ?? "propagation,ship,load").split(separator: ",").map(String.init))

@main
enum ChainBenchmarks {
    static func main() async throws {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        _ = try? cluster("remove")
        let admin = try await ChainDatabase.connect(try ChainURL(try cluster("start")), logger: quiet)
        defer { _ = try? cluster("remove"); try? FileManager.default.removeItem(at: work) }
        var rng = SystemRandomNumberGenerator()
        let key = ChainKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try await ChainSchema.migrate(admin, key: key)
        progress("cluster up, schema created")
        let central = ChainRegistry(db: admin, key: key)

        if phases.contains("propagation") { try await propagation(admin: admin, central: central, key: key) }
        if phases.contains("ship") { try await shipping(admin: admin, key: key) }
        if phases.contains("load") { try await initialSync(admin: admin, central: central, key: key) }
        await admin.close()
    }

    static func propagation(admin: ChainDatabase, central: ChainRegistry, key: ChainKey) async throws {
        // 1. Propagation: 50 store syncs follow a small registry; each withdrawal is timed from the call
        //    that issues it to the moment each store's agent is told (after its registry has dropped the keys).
        try await central.enroll(all: (0..<withdrawals).map(enrolment))
        let agents = (0..<storeCount).map { _ in TimingAgent() }
        var syncTasks: [Task<Void, Never>] = []
        for i in 0..<storeCount {
            let url = try await ChainStores.add(admin, store: "p\(i)")
            let dir = try dataDirectory("p\(i)")
            let sync = ChainSync(url: url, key: key, store: "p\(i)", registry: try ConsentRegistry(dataDirectory: dir),
                                 ledger: try Ledger(dataDirectory: dir), agent: agents[i], dataDirectory: dir, logger: quiet)
            syncTasks.append(Task { await sync.run() })
        }
        progress("\(storeCount) store syncs started; waiting for each to load and report")
        // Every store has loaded the registry and reported its cursor.
        while try await ChainStores.status(admin).filter({ $0.cursorLag == 0 && $0.lastContact != nil }).count < storeCount {
            try await Task.sleep(for: .milliseconds(100))
        }
        var latencies: [Double] = []
        for i in 0..<withdrawals {
            let customer = "bench-\(i)"
            let started = ContinuousClock.now
            _ = try await central.withdraw(customer, channel: "bench")
            while agents.contains(where: { $0.time(of: customer) == nil }) { try await Task.sleep(for: .milliseconds(5)) }
            latencies += agents.map { seconds($0.time(of: customer)! - started) }
            try await Task.sleep(for: .milliseconds(100))
        }
        for t in syncTasks { t.cancel() }
        latencies.sort()
        let sorted = latencies
                func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        progress(String(format: "withdrawal propagation to %d stores (%d samples): p50 %.0f ms, p99 %.0f ms, max %.0f ms (goal p99 < 1000 ms)",
                     storeCount, latencies.count, percentile(0.5) * 1000, percentile(0.99) * 1000, latencies.last! * 1000))

    }

    static func shipping(admin: ChainDatabase, key: ChainKey) async throws {
        // 2. Ledger shipping: one store's ledger of 200,000 entries into PostgreSQL, in the sync's batches.
        let shipURL = try await ChainStores.add(admin, store: "shipper")
        let shipDir = try dataDirectory("shipper")
        let shipLedger = try Ledger(dataDirectory: shipDir)
        try fill(shipLedger, entries: shippedEntries)
        let shipSync = ChainSync(url: shipURL, key: key, store: "shipper", registry: try ConsentRegistry(dataDirectory: shipDir),
                                 ledger: shipLedger, agent: NoAgent(), dataDirectory: shipDir, logger: quiet)
        let shipDB = try await ChainDatabase.connect(shipURL, logger: quiet)
        var ids = Set<Int64>()
        let shipStart = ContinuousClock.now
        let shipCPU = cpuSeconds()
        let shipped = try await shipSync.shipLedger(shipDB, after: 0, checkpoints: &ids)
        let shipTime = seconds(ContinuousClock.now - shipStart)
        progress(String(format: "ledger shipping: %d entries in %.2f s = %.0f entries/s, %.2f s CPU here (goal ≥ 20,000/s)",
                     shipped, shipTime, Double(shipped) / shipTime, cpuSeconds() - shipCPU))
        // A resend of everything (a lost reply) inserts nothing.
        let resendStart = ContinuousClock.now
        _ = try await shipSync.shipLedger(shipDB, after: 0, checkpoints: &ids)
        let rows = try await ChainLedger.shippedThrough(shipDB)
        progress(String(format: "resend of all %d: %.2f s, central high-water mark still %d", shipped,
                        seconds(ContinuousClock.now - resendStart), rows))
        await shipDB.close()
    }

    static func initialSync(admin: ChainDatabase, central: ChainRegistry, key: ChainKey) async throws {
        // 3. Initial sync: N consents enrolled centrally (timed too: the import path), then loaded by an
        //    empty gateway — snapshot read, key material opened, local registry written, one reload.
        let importStart = ContinuousClock.now
        var next = withdrawals
        while next < withdrawals + consentCount {
            let end = min(next + 50_000, withdrawals + consentCount)
            try await central.enroll(all: (next..<end).map(enrolment), channel: "bench")
            next = end
        }
        let importTime = seconds(ContinuousClock.now - importStart)
        progress(String(format: "central import: %d consents in %.1f s = %.0f consents/s", consentCount, importTime, Double(consentCount) / importTime))
        let loadURL = try await ChainStores.add(admin, store: "fresh")
        let loadDir = try dataDirectory("fresh")
        let loadRegistry = try ConsentRegistry(dataDirectory: loadDir)
        var info = Logger(label: "bench")
        info.logLevel = .info
        let loadSync2 = ChainSync(url: loadURL, key: key, store: "fresh", registry: loadRegistry,
                                  ledger: try Ledger(dataDirectory: loadDir), agent: NoAgent(), dataDirectory: loadDir, logger: info)
        let loadDB = try await ChainDatabase.connect(loadURL, logger: quiet)
        let loadStart = ContinuousClock.now
        let loadCPU = cpuSeconds()
        _ = try await loadSync2.initialLoad(loadDB)
        let loadTime = seconds(ContinuousClock.now - loadStart)
        let loadCPUTime = cpuSeconds() - loadCPU
        await loadDB.close()
        let all: [ConsentSummary] = try await loadRegistry.consents()
        progress(String(format: "initial sync: %d consents into an empty gateway in %.1f s, %.1f s CPU here (goal < 30 s)",
                        all.count, loadTime, loadCPUTime))
        if let size = try? FileManager.default.attributesOfItem(atPath: loadDir.appendingPathComponent("registry.sqlite").path)[.size] {
            progress("registry.sqlite: \(size) bytes")
        }
    }
}
