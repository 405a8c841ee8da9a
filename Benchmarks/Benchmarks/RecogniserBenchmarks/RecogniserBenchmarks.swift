import Benchmark
import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRadio
import WelkomRecogniser

/// Issue 3's figures (README, Performance). Throughput is per operation: each inner iteration is
/// one lookup, one roll-over, one IRK trial batch, one report. Home Assistant's resolver and parser
/// run on the same IRKs, addresses and reports in Benchmarks/peers/ha_bench.py (`make bench`).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3))

    Benchmark("WLK1 lookup, half hits half misses (1,000,000 enrolled)",
              configuration: .init(scalingFactor: .mega)) { benchmark in
        var r = Workloads.million
        let lookups = Workloads.lookups
        benchmark.startMeasurement()
        var i = 0, hits = 0
        for _ in benchmark.scaledIterations {
            // Counted, not blackHole'd one by one: boxing each Recognition into `Any` would allocate.
            // `if let`, as the agent does: `!= nil` picks Optional's Equatable `!=`, which builds a
            // (Recognition?, Recognition?) tuple through runtime metadata on every call.
            if let _ = r.recognise(lookups[i]) { hits += 1 }
            i = i == lookups.count - 1 ? 0 : i + 1
        }
        blackHole(hits)
    }

    // The two halves apart: a miss costs one probe; a hit adds the verification of its token.
    for (name, lookups) in [("hits only", Workloads.hits), ("misses only", Workloads.misses)] {
        Benchmark("WLK1 lookup, \(name) (1,000,000 enrolled)", configuration: .init(scalingFactor: .mega)) { benchmark in
            var r = Workloads.million
            benchmark.startMeasurement()
            var i = 0, hits = 0
            for _ in benchmark.scaledIterations {
                if let _ = r.recognise(lookups[i]) { hits += 1 }
                i = i == lookups.count - 1 ? 0 : i + 1
            }
            blackHole(hits)
        }
    }

    Benchmark("WLK1 window roll-over (1,000,000 enrolled)",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        var r = Workloads.million
        // The first change copies the shared workload's tables (copy-on-write); the agent's own
        // recogniser is never shared, so that copy is made here, outside the measurement.
        r.roll(to: Workloads.window + 1)
        benchmark.startMeasurement()
        r.roll(to: Workloads.window + 2)
        benchmark.stopMeasurement()
        blackHole(r.centreWindow)
    }

    Benchmark("Table memory per customer, bytes (1,000,000 WLK1 customers)",
              configuration: .init(metrics: [.custom("bytes per customer", useScalingFactor: false)], maxIterations: 1)) { benchmark in
        let r = Workloads.million
        benchmark.measurement(.custom("bytes per customer", useScalingFactor: false), r.tableMemoryBytes / r.customerCount)
    }

    // One address against all 1,000 IRKs = 1,000 trials; throughput ×1,000 = trials per second.
    Benchmark("RPA IRK trials, C core (x1000 trials: 1,000 IRKs per address)",
              configuration: .init(scalingFactor: .kilo)) { benchmark in
        let addresses = Workloads.addresses
        Workloads.schedules.withUnsafeBufferPointer { s in
            var i = 0
            for _ in benchmark.scaledIterations {
                let a = addresses[i]
                blackHole(FastAES.findRPA(schedules: s, prand: a.prand, hash: a.hash))
                i = i == addresses.count - 1 ? 0 : i + 1
            }
        }
    }

    Benchmark("RPA IRK trials, portable C fallback (x1000 trials)",
              configuration: .init(scalingFactor: .kilo)) { benchmark in
        let addresses = Workloads.addresses
        Workloads.schedules.withUnsafeBufferPointer { s in
            var i = 0
            for _ in benchmark.scaledIterations {
                let a = addresses[i]
                blackHole(FastAES.findRPA(schedules: s, prand: a.prand, hash: a.hash, implementation: .portable))
                i = i == addresses.count - 1 ? 0 : i + 1
            }
        }
    }

    // Why a C core: the same one-block encryptions through swift-crypto (a key object per call).
    Benchmark("AES-128 one block under a fresh key: swift-crypto", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let keys = Workloads.irks
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(AES128.encrypt(Block128(hi: 0, lo: UInt64(i)), key: keys[i % keys.count]))
            i &+= 1
        }
    }

    Benchmark("AES-128 one block under a fresh key: C core, batched (x1000 keys)",
              configuration: .init(scalingFactor: .kilo)) { benchmark in
        let keys = Workloads.irks
        for _ in benchmark.scaledIterations {
            FastAES.encrypt(keys: keys, block: Block128(hi: 0, lo: 1)) { blackHole($0.count) }
        }
    }

    Benchmark("Advertising report parsing to evidence (WLK1, EID, iBeacon, other)",
              configuration: .init(scalingFactor: .mega)) { benchmark in
        let reports = Workloads.reports
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(AdvertisingData.evidence(in: reports[i]))
            i = i == reports.count - 1 ? 0 : i + 1
        }
    }
}
