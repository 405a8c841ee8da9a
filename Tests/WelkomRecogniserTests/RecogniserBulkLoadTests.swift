import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRecogniser
import WelkomTesting

/// The first load of an empty recogniser takes the bulk path (token keys derived together on
/// other threads, windows in one pass); it must recognise exactly what adding the same consents
/// one by one recognises, and a later reconcile must still name everyone it removes.
final class RecogniserBulkLoadTests: XCTestCase {
    let pepper = [UInt8](repeating: 9, count: 32)
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// Random consents: most with a WLK1 key, some with cards, some lapsed before t0, some lapsing later.
    func consents(_ n: Int, _ rng: inout SplitMix64) -> [ConsentKeys] {
        (0..<n).map { i in
            var c = ConsentKeys(customer: "c\(i)-\(rng.next() % 1000)")
            if rng.next() % 10 != 0 { c.beaconKey = Block128(hi: rng.next(), lo: rng.next()) }
            if rng.next() % 7 == 0 { c.cardPseudonyms = [CardPseudonym.compute(pepper: pepper, normalised: "400638\(1_000_000 + i)")] }
            switch rng.next() % 9 {
            case 0: c.expires = t0.addingTimeInterval(-60)
            case 1: c.expires = t0.addingTimeInterval(1_200)
            default: break
            }
            return c
        }
    }

    func sighting(_ c: ConsentKeys, window: UInt32, at time: Date) -> Sighting? {
        guard let key = c.beaconKey else { return nil }
        let token = WLK1.token(tokenKey: WLK1.tokenKey(beaconKey: key), window: window)
        return Sighting(time: time, evidence: .wlk1(companyID: 0xFFFF, token: token), rssi: -50, source: .radio)
    }

    func testBulkLoadRecognisesWhatOneByOneRecognises() {
        var rng = TestSeed.generator(for: self)
        // Above the derivation's threshold for splitting over threads.
        let all = consents(3_000, &rng)
        let settings = RecogniserSettings(enabled: true, companyID: 0xFFFF, skewWindows: 1)
        var bulk = Recogniser(settings: settings, pepper: pepper)
        XCTAssertEqual(bulk.reconcile(with: all, at: t0).removed, 0)
        var single = Recogniser(settings: settings, pepper: pepper)
        single.upsert(ConsentKeys(customer: "seed-the-tables"), at: t0)
        single.roll(to: WLK1.window(at: t0)!)
        for c in all { single.upsert(c, at: t0) }
        XCTAssertTrue(single.remove(customer: "seed-the-tables"))
        XCTAssertEqual(bulk.customerCount, single.customerCount)
        XCTAssertEqual(bulk.customerCount, all.filter { ($0.expires ?? .distantFuture) > t0 }.count)
        let centre = WLK1.window(at: t0)!
        for (i, c) in all.enumerated() {
            for offset: Int32 in [-2, -1, 0, 1, 2] {
                let window = UInt32(Int32(centre) + offset)
                guard let s = sighting(c, window: window, at: t0) else { continue }
                let a = bulk.recognise(s)?.customer, b = single.recognise(s)?.customer
                XCTAssertEqual(a, b, "consent \(i), window offset \(offset)")
                let active = (c.expires ?? .distantFuture) > t0
                XCTAssertEqual(a, active && abs(offset) <= 1 ? c.customer : nil, "consent \(i), window offset \(offset)")
            }
            if !c.cardPseudonyms.isEmpty {
                let scan = Sighting(time: t0, evidence: .card(normalised: "400638\(1_000_000 + i)"), till: "1", source: .card)
                XCTAssertEqual(bulk.recognise(scan)?.customer, single.recognise(scan)?.customer, "consent \(i)'s card")
                XCTAssertEqual(bulk.recognise(scan)?.customer, (c.expires ?? .distantFuture) > t0 ? c.customer : nil)
            }
        }
        // A stranger's token is nobody's.
        let stranger = Sighting(time: t0, evidence: .wlk1(companyID: 0xFFFF, token: Block128(hi: rng.next(), lo: rng.next())),
                                rssi: -70, source: .radio)
        XCTAssertNil(bulk.recognise(stranger))
    }

    /// Token keys derived while the registry was read are used as given; a list that does not fit
    /// the consents is not trusted and the keys are derived again.
    func testGivenTokenKeysAreUsedAndAMismatchedListIsIgnored() {
        var rng = TestSeed.generator(for: self)
        let all = consents(300, &rng)
        let tokenKeys = WLK1TokenKeys.derive(all.compactMap(\.beaconKey))
        let centre = WLK1.window(at: t0)!
        for given in [tokenKeys, Array(tokenKeys.dropLast()), []] {
            var r = Recogniser(settings: .init(enabled: true), pepper: pepper)
            r.reconcile(with: all, at: t0, tokenKeys: given)
            for c in all {
                guard let s = sighting(c, window: centre, at: t0) else { continue }
                XCTAssertEqual(r.recognise(s)?.customer, (c.expires ?? .distantFuture) > t0 ? c.customer : nil,
                               "given \(given.count) keys")
            }
        }
    }

    func testReconcileNamesEveryCustomerItRemoves() {
        var rng = TestSeed.generator(for: self)
        let all = consents(400, &rng).filter { $0.expires == nil }
        var r = Recogniser(settings: .init(enabled: true), pepper: pepper)
        r.reconcile(with: all, at: t0)
        let kept = all.filter { _ in rng.next() % 3 != 0 }
        var removed: [CustomerID] = []
        let counts = r.reconcile(with: kept, at: t0) { removed.append($0) }
        XCTAssertEqual(Set(removed), Set(all.map(\.customer)).subtracting(kept.map(\.customer)))
        XCTAssertEqual(counts.removed, removed.count)
        XCTAssertEqual(counts.upserted, 0)
        var listed: [CustomerID] = []
        r.forEachCustomer { listed.append($0) }
        XCTAssertEqual(Set(listed), Set(kept.map(\.customer)))
        for c in all {
            guard let s = sighting(c, window: WLK1.window(at: t0)!, at: t0) else { continue }
            XCTAssertEqual(r.recognise(s)?.customer, removed.contains(c.customer) ? nil : c.customer)
        }
    }
}
