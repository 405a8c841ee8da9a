import Benchmark
import Foundation
import WelkomCore
import WelkomRadio
import WelkomZones

/// Issue 4's figures: the whole decoding path a live controller's bytes take (H4 framing → HCI
/// event → reports → AD structures → sightings), and the till-zone tracker per recognised sighting.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5))

    // 1,000 LE Extended Advertising Report events (one report each, a WLK1 frame or an iBeacon),
    // as one H4 byte stream fed in 4 KiB reads, the size the transport reader uses.
    let stream = RadioWorkloads.h4Stream(events: 1_000)
    Benchmark("H4 stream → sightings (1,000 extended report events, 4 KiB reads)") { benchmark in
        for _ in benchmark.scaledIterations {
            var decoder = H4Decoder(accepting: H4Decoder.controllerToHost)
            var extractor = SightingExtractor()
            var count = 0
            var offset = 0
            let now = Date()
            while offset < stream.count {
                decoder.feed(stream[offset..<min(offset + 4096, stream.count)])
                offset += 4096
                while let packet = try? decoder.next() {
                    count += (try? extractor.sightings(in: packet, at: now))?.count ?? 0
                }
            }
            blackHole(count)
        }
    }

    // 1,000 recognised sightings of 50 customers walking, 10 per second each, one receiver.
    let zones = [Zone(till: "1", rssiMin: -75, rssiMax: -61), Zone(till: "2", rssiMin: -60)]
    Benchmark("Zone tracker, 1,000 recognised sightings of 50 customers") { benchmark in
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        for _ in benchmark.scaledIterations {
            var tracker = ZoneTracker(zones: zones)
            var tills = 0
            for i in 0..<1_000 {
                let customer = "c\(i % 50)"
                let rssi = -50 - (i * 7 % 30)
                if tracker.observe(customer: customer, receiver: nil, rssi: rssi, at: t0.addingTimeInterval(Double(i) / 500)) != nil {
                    tills += 1
                }
            }
            blackHole(tills)
        }
    }
}

enum RadioWorkloads {
    static func h4Stream(events: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in 0..<events {
            let ad: [UInt8] = i % 2 == 0
                ? [0x02, 0x01, 0x06, 0x15, 0xFF, 0xFF, 0xFF, 0x57, 0x01] + (0..<16).map { UInt8(truncatingIfNeeded: i &+ $0) }
                : [0x02, 0x01, 0x06, 0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15] + (0..<21).map { UInt8(truncatingIfNeeded: i &* 3 &+ $0) } + [0xC5]
            var report: [UInt8] = [0x10, 0x00, 0x01] + (0..<6).map { UInt8(truncatingIfNeeded: i >> (8 * ($0 % 2))) }
            report += [0x01, 0x00, 0xFF, 0x7F, 0xC4, 0x00, 0x00, 0x00] + [UInt8](repeating: 0, count: 6) + [UInt8(ad.count)] + ad
            let parameters: [UInt8] = [0x0D, 0x01] + report
            out += [0x04, 0x3E, UInt8(parameters.count)] + parameters
        }
        return out
    }
}
