import Benchmark
import Foundation
import WelkomCore
import WelkomLedger

/// Issue 7's figures: durable appends per second with group commit, verifying a ledger of
/// 1,000,000 entries, and inclusion proof size and time in that ledger. The ledger files live in
/// the system temp directory (on the same disk as the data directory would be on a gateway
/// only if /tmp is not a tmpfs: a tmpfs makes fsync free and the append figure too good).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 5)

    // 20,000 appends from N concurrent writers, each acknowledged only once on disk. One writer
    // waits for its ack before its next append, so a commit can batch at most N entries: the
    // rate is about N / fsync latency until the CPU work per entry dominates.
    for writers in [64, 256] {
        Benchmark("Ledger durable appends, \(writers) concurrent writers (x20,000 appends)",
                  configuration: .init(metrics: [.wallClock, .custom("appends per second", useScalingFactor: false)],
                                       maxIterations: 5)) { benchmark in
            let ledger = try Ledger(dataDirectory: Workloads.freshDirectory())
            let perWriter = 20_000 / writers
            let start = ContinuousClock.now
            benchmark.startMeasurement()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        for i in 0..<perWriter {
                            blackHole(try await ledger.submit(LedgerDraft(time: Date(), kind: .recognition, customer: "c\(w)-\(i)",
                                                                          scheme: .wlk1, till: "1", prompt: "p\(i)", detail: "prompt=greeting")))
                        }
                    }
                }
                try await group.waitForAll()
            }
            benchmark.stopMeasurement()
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            benchmark.measurement(.custom("appends per second", useScalingFactor: false), Int(Double(perWriter * writers) / seconds))
        }
    }

    Benchmark("Ledger verify, 1,000,000 entries") { benchmark in
        let ledger = try Workloads.million()
        benchmark.startMeasurement()
        let result = try ledger.verify()
        benchmark.stopMeasurement()
        guard case .intact(1_000_000, _, _) = result else { fatalError("benchmark ledger does not verify: \(result)") }
    }

    // One proof per iteration, for a different entry each time.
    Benchmark("Ledger inclusion proof, 1,000,000 entries (x1,000 proofs)",
              configuration: .init(metrics: [.wallClock, .throughput, .custom("proof bytes", useScalingFactor: false)],
                                   scalingFactor: .kilo, maxIterations: 20)) { benchmark in
        let ledger = try Workloads.million()
        var seq: Int64 = 1
        var bytes = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let proof = try ledger.inclusionProof(seq: seq, treeSize: 1_000_000)
            bytes = proof.count * 32
            seq = seq * 7919 % 1_000_000 + 1
        }
        benchmark.stopMeasurement()
        benchmark.measurement(.custom("proof bytes", useScalingFactor: false), bytes)
    }
}

enum Workloads {
    static func freshDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("welkom-ledger-bench-\(UUID().uuidString)")
    }

    /// A ledger of 1,000,000 recognitions, built once per run (about half a minute) and reused.
    static func million() throws -> Ledger {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-ledger-bench-million")
        if let ledger = try? Ledger(dataDirectory: dir), (try? ledger.count()) == 1_000_000 { return ledger }
        try? FileManager.default.removeItem(at: dir)
        let ledger = try Ledger(dataDirectory: dir)
        let t0 = Date(timeIntervalSince1970: 1_795_975_200)
        for chunk in 0..<100 {
            try ledger.append(contentsOf: (0..<10_000).map { i in
                LedgerDraft(time: t0.addingTimeInterval(Double(chunk * 10_000 + i)), kind: .recognition,
                            customer: "customer-\(i % 5000)", scheme: .wlk1, till: "\(i % 20)",
                            prompt: "p-\(chunk)-\(i)", detail: "prompt=greeting")
            })
        }
        try ledger.writeCheckpoint(at: Date())
        return ledger
    }
}
