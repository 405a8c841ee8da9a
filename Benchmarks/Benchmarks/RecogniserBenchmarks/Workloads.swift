import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRecogniser

/// The shared workloads, built once per benchmark process on first use (Swift globals are lazy).
enum Workloads {
    static let enrolled = 1_000_000
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let window = WLK1.window(at: now)!

    /// Beacon keys of the million, deterministic.
    static let beaconKeys: [Block128] = {
        var rng = SplitMix64(seed: 1)
        return (0..<enrolled).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
    }()

    /// One million WLK1 customers (IDs "c0" … "c999999", up to 7 bytes: inline strings).
    static let million: Recogniser = {
        var r = Recogniser(settings: .init(enabled: true), pepper: [UInt8](repeating: 0, count: 32))
        r.load(beaconKeys.enumerated().map { ConsentKeys(customer: "c\($0.offset)", beaconKey: $0.element) }, at: now)
        return r
    }()

    /// 1,000 hits and 1,000 misses, interleaved.
    static let lookups: [Sighting] = {
        var rng = SplitMix64(seed: 2)
        var out: [Sighting] = []
        for i in 0..<1000 {
            let key = beaconKeys[Int(rng.next() % UInt64(enrolled))]
            out.append(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: key, at: now)!), source: .radio))
            out.append(Sighting(time: now, evidence: .wlk1(companyID: 0xFFFF, token: Block128(hi: rng.next(), lo: rng.next())), source: .radio))
            _ = i
        }
        return out
    }()

    static let hits: [Sighting] = stride(from: 0, to: lookups.count, by: 2).map { lookups[$0] }
    static let misses: [Sighting] = stride(from: 1, to: lookups.count, by: 2).map { lookups[$0] }

    /// RPA trials: the same IRKs and addresses as Benchmarks/peers/ha_bench.py (seed 3).
    static let irkCount = 1000
    static let addressCount = 1000
    static let irks: [Block128] = {
        var rng = SplitMix64(seed: 3)
        return (0..<irkCount).map { _ in Block128(hi: rng.next(), lo: rng.next()) }
    }()
    static let addresses: [DeviceAddress] = {
        var rng = SplitMix64(seed: 4)
        return (0..<addressCount).map { _ in DeviceAddress(value: rng.next() & 0x3FFF_FFFF_FFFF | 0x4000_0000_0000, isRandom: true) }
    }()
    static let schedules: [UInt8] = irks.flatMap { FastAES.schedule($0) }

    /// Advertising reports: a mix of WLK1, Eddystone-EID, iBeacon and plain flags+name (seed 5),
    /// the same bytes Benchmarks/peers/ha_bench.py parses.
    static let reports: [[UInt8]] = {
        var rng = SplitMix64(seed: 5)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        return (0..<1000).map { i in
            switch i % 4 {
            case 0: WLK1Frame.advertisingPayload(token: Block128(hi: rng.next(), lo: rng.next()))
            case 1: EddystoneEID.advertisingPayload(eid: rng.next())
            case 2: [0x02, 0x01, 0x06, 0x1A, 0xFF, 0x4C, 0x00, 0x02, 0x15] + bytes(21)
            default: [0x02, 0x01, 0x1A, 0x09, 0x09] + bytes(8) + [0x03, 0x03, 0x0F, 0x18]
            }
        }
    }()
}
