import Benchmark
import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRadio
import WelkomRecogniser

/// Figures issue 3 will push further; these establish the walking skeleton's baseline.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3))

    let enrolledCount = 10_000
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    var rng = SystemRandomNumberGenerator()
    let consents = (0..<enrolledCount).map { i in
        ConsentKeys(customer: "c\(i)", beaconKey: Block128(hi: rng.next(), lo: rng.next()))
    }
    let window = WLK1.window(at: now)!
    let hits = consents.prefix(1000).map { c in
        Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(tokenKey: WLK1.tokenKey(beaconKey: c.beaconKey!), window: window)), source: .radio)
    }
    let misses = (0..<1000).map { _ in
        Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: Block128(hi: rng.next(), lo: rng.next())), source: .radio)
    }

    Benchmark("WLK1 lookup, hits and misses (10,000 enrolled)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var recogniser = Recogniser(settings: .init(enabled: true), pepper: [UInt8](repeating: 0, count: 32))
        recogniser.load(consents, at: now)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for s in hits { blackHole(recogniser.recognise(s)) }
            for s in misses { blackHole(recogniser.recognise(s)) }
        }
    }

    Benchmark("WLK1 table build (10,000 enrolled, 3 windows)") { benchmark in
        var recogniser = Recogniser(settings: .init(enabled: true), pepper: [UInt8](repeating: 0, count: 32))
        benchmark.startMeasurement()
        recogniser.load(consents, at: now)
        blackHole(recogniser.customerCount)
    }

    let payloads = (0..<1000).map { i in
        i % 2 == 0
            ? WLK1Frame.advertisingPayload(token: Block128(hi: rng.next(), lo: rng.next()))
            : [0x02, 0x01, 0x06, 0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15] + (0..<21).map { _ in UInt8.random(in: 0...255) }
    }
    Benchmark("AD parsing to evidence (x1000 reports)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            for p in payloads { blackHole(AdvertisingData.evidence(in: p)) }
        }
    }
}
