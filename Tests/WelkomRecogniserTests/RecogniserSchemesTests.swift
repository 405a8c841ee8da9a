import XCTest
import WelkomCore
import WelkomIdentifiers
@testable import WelkomRecogniser
import WelkomTesting

/// Eddystone-EID, RPAs (with the false-match bound, invariant 8), static identifiers (invariant 7),
/// and the in-place table changes.
final class RecogniserSchemesTests: XCTestCase {
    let pepper = [UInt8](repeating: 7, count: 32)
    let specKey = Block128(hex: "000102030405060708090a0b0c0d0e0f")!
    let specIRK = Block128(hex: "ec0234a357c8ad05341010a60a397d9b")!
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func recogniser(allowStatic: Bool = false, bound: Double = 1e-5) -> Recogniser {
        Recogniser(settings: .init(enabled: true, allowStaticIdentifiers: allowStatic, rpaFalseMatchBound: bound), pepper: pepper)
    }

    func radio(_ evidence: Evidence, at time: Date, address: DeviceAddress? = nil) -> Sighting {
        Sighting(time: time, evidence: evidence, rssi: -60, source: .radio, address: address)
    }

    func randomIRK(_ rng: inout some RandomNumberGenerator) -> Block128 { Block128(hi: rng.next(), lo: rng.next()) }

    // MARK: Eddystone-EID

    func testEIDOfPreviousCurrentAndNextPeriodButNotTwoAway() {
        // Epoch chosen so that t0 is counter 65280 (the spec's first vector), K = 10.
        let reg = EIDRegistration(identityKey: specKey, exponent: 10, epoch: 1_700_000_000 - 65280)
        var r = recogniser()
        r.load([ConsentKeys(customer: "eve", eid: reg)], at: t0)
        XCTAssertEqual(r.recognise(radio(.eid(0x3439_c83a_6564_bfdf), at: t0)),
                       Recognition(customer: "eve", scheme: .eid, time: t0, rssi: -60))
        for offset in [-1024, 1024] {
            let e = EddystoneEID.eid(identityKey: specKey, exponent: 10, counter: UInt32(65280 + offset))
            XCTAssertEqual(r.recognise(radio(.eid(e), at: t0))?.customer, "eve", "period offset \(offset / 1024)")
        }
        for offset in [-2048, 2048] {
            let e = EddystoneEID.eid(identityKey: specKey, exponent: 10, counter: UInt32(65280 + offset))
            XCTAssertNil(r.recognise(radio(.eid(e), at: t0)), "period offset \(offset / 1024)")
        }
        // Later the beacon's own set rolls: two periods on, the spec EID is too old.
        let later = t0.addingTimeInterval(2048)
        XCTAssertNil(r.recognise(radio(.eid(0x3439_c83a_6564_bfdf), at: later)))
        let now = EddystoneEID.eid(reg, at: later)!
        XCTAssertEqual(r.recognise(radio(.eid(now), at: later))?.customer, "eve")
    }

    // MARK: RPAs

    func testRPAOfEnrolledIRKIsRecognisedUnderTheBound() {
        var rng = TestSeed.generator(for: self)
        var r = recogniser()
        // 100 IRKs: p = 100 / 2^24 ≈ 6e-6, under the default bound 1e-5.
        var consents = (0..<99).map { ConsentKeys(customer: "x\($0)", irk: randomIRK(&rng)) }
        consents.append(ConsentKeys(customer: "ria", irk: specIRK))
        r.load(consents, at: t0)
        XCTAssertFalse(r.rpaMatchNeedsConfirmation)
        let address = DeviceAddress(value: 0x708194_0DFBAA, isRandom: true)
        XCTAssertEqual(r.recognise(radio(.other, at: t0, address: address)),
                       Recognition(customer: "ria", scheme: .rpa, time: t0, rssi: -60))
        // Again from the cache, and a fresh address of the same IRK.
        XCTAssertEqual(r.recognise(radio(.other, at: t0, address: address))?.customer, "ria")
        XCTAssertEqual(r.recognise(radio(.other, at: t0, address: ResolvablePrivateAddress.address(irk: specIRK, prand: 0x55_1234)))?.customer, "ria")
        // The same 48 bits as a public address, or with the hash changed, are nobody.
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: DeviceAddress(value: 0x708194_0DFBAA, isRandom: false))))
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: DeviceAddress(value: 0x708194_0DFBAB, isRandom: true))))
    }

    /// Invariant 8: above the bound an RPA match alone is not a recognition; a WLK1 token from the
    /// same address, or a card, of the same customer confirms it.
    func testAboveTheBoundAnRPAMatchNeedsConfirmation() {
        var rng = TestSeed.generator(for: self)
        var r = recogniser()
        let beaconKey = randomIRK(&rng)
        let card = "4006381333931"
        // 200 IRKs: p = 200 / 2^24 ≈ 1.19e-5 > 1e-5.
        var consents = (0..<199).map { ConsentKeys(customer: "x\($0)", irk: randomIRK(&rng)) }
        consents.append(ConsentKeys(customer: "ria", beaconKey: beaconKey,
                                    cardPseudonyms: [CardPseudonym.compute(pepper: pepper, normalised: card)], irk: specIRK))
        r.load(consents, at: t0)
        XCTAssertEqual(r.enrolledIRKCount, 200)
        XCTAssertEqual(r.rpaFalseMatchChance, 200 / 16_777_216.0)
        XCTAssertTrue(r.rpaMatchNeedsConfirmation)
        let address = DeviceAddress(value: 0x708194_0DFBAA, isRandom: true)
        let other = ResolvablePrivateAddress.address(irk: specIRK, prand: 0x41_0000)
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: address)), "an RPA match alone, above the bound")

        // A WLK1 token from a different address confirms nothing for this one.
        let token = WLK1.token(beaconKey: beaconKey, at: t0)!
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: token), at: t0, address: other))?.scheme, .wlk1)
        XCTAssertNil(r.recognise(radio(.other, at: t0.addingTimeInterval(1), address: address)))
        // From the same address it does, within the RPA lifetime.
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: token), at: t0, address: address))?.scheme, .wlk1)
        XCTAssertEqual(r.recognise(radio(.other, at: t0.addingTimeInterval(5), address: address))?.scheme, .rpa)
        XCTAssertNil(r.recognise(radio(.other, at: t0.addingTimeInterval(16 * 60), address: address)), "confirmation lapsed")

        // A card scan confirms the customer's RPAs from any of their addresses.
        let t1 = t0.addingTimeInterval(3600)
        XCTAssertEqual(r.recognise(Sighting(time: t1, evidence: .card(normalised: card), till: "1", source: .card))?.scheme, .card)
        XCTAssertEqual(r.recognise(radio(.other, at: t1.addingTimeInterval(2), address: other))?.customer, "ria")

        // Raising the bound above p makes the match alone count again.
        var lenient = recogniser(bound: 1e-4)
        lenient.load(consents, at: t0)
        XCTAssertFalse(lenient.rpaMatchNeedsConfirmation)
        XCTAssertEqual(lenient.recognise(radio(.other, at: t0, address: address))?.customer, "ria")
    }

    func testTwoCustomersWithTheSameIRKAreAmbiguousAndNobody() {
        var r = recogniser()
        r.load([ConsentKeys(customer: "a", irk: specIRK), ConsentKeys(customer: "b", irk: specIRK)], at: t0)
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: DeviceAddress(value: 0x708194_0DFBAA, isRandom: true))))
    }

    func testRPACacheIsBoundedAndForgets() {
        var cache = RPACache(capacity: 64)
        for a in 0..<1000 { cache.store(UInt64(a), nowMs: 0) }
        XCTAssertLessThanOrEqual(cache.liveCount(nowMs: 0), 64)
        XCTAssertEqual(cache.lookup(999, nowMs: 1), .negative)
        XCTAssertEqual(cache.lookup(999, nowMs: RPACache.lifetimeMilliseconds), .unknown, "forgotten after the RPA lifetime")
        XCTAssertEqual(cache.liveCount(nowMs: RPACache.lifetimeMilliseconds), 0)
    }

    func testEnrollingAnIRKLaterResolvesAnAddressSeenBefore() {
        var r = recogniser()
        r.load([ConsentKeys(customer: "x", irk: Block128(hi: 1, lo: 2))], at: t0)
        let address = DeviceAddress(value: 0x708194_0DFBAA, isRandom: true)
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: address)))  // now cached as negative
        r.upsert(ConsentKeys(customer: "ria", irk: specIRK), at: t0)
        XCTAssertEqual(r.recognise(radio(.other, at: t0, address: address))?.customer, "ria")
        r.remove(customer: "ria")
        XCTAssertNil(r.recognise(radio(.other, at: t0, address: address)), "the positive cache entry went with the IRK")
    }

    // MARK: Static identifiers (invariant 7)

    func testStaticIdentifiersMatchOnlyWhereAllowed() {
        let beacon = StaticIdentifier.iBeacon(uuid: Block128(hex: "e2c56db5dffb48d2b060d0f5a71096e0")!, major: 1, minor: 2)
        let fixed = StaticIdentifier.address(0xC0FF_EE00_0001)
        let consents = [ConsentKeys(customer: "sam", staticIdentifiers: [beacon, fixed])]
        var strict = recogniser(allowStatic: false)
        strict.load(consents, at: t0)
        XCTAssertNil(strict.recognise(radio(.staticIdentifier(beacon), at: t0)))
        XCTAssertNil(strict.recognise(radio(.other, at: t0, address: DeviceAddress(value: 0xC0FF_EE00_0001, isRandom: true))))
        XCTAssertEqual(strict.customerCount, 1)

        var allowed = recogniser(allowStatic: true)
        allowed.load(consents, at: t0)
        XCTAssertEqual(allowed.recognise(radio(.staticIdentifier(beacon), at: t0))?.scheme, .staticIdentifier)
        XCTAssertEqual(allowed.recognise(radio(.other, at: t0, address: DeviceAddress(value: 0xC0FF_EE00_0001, isRandom: true)))?.customer, "sam")
        XCTAssertNil(allowed.recognise(radio(.staticIdentifier(.iBeacon(uuid: Block128(hi: 1, lo: 1), major: 1, minor: 2)), at: t0)))
    }

    // MARK: Incremental tables

    func testUpsertAndRemoveChangeTheTablesInPlace() {
        var rng = TestSeed.generator(for: self)
        var r = recogniser()
        let keys = (0..<50).map { _ in randomIRK(&rng) }
        r.load(keys.enumerated().map { ConsentKeys(customer: "c\($0.offset)", beaconKey: $0.element) }, at: t0)
        let window = WLK1.window(at: t0)!
        let newKey = randomIRK(&rng)
        r.upsert(ConsentKeys(customer: "new", beaconKey: newKey), at: t0)
        XCTAssertEqual(r.customerCount, 51)
        XCTAssertEqual(r.centreWindow, window, "no rebuild: the centre did not move")
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: newKey, at: t0)!), at: t0))?.customer, "new")
        XCTAssertTrue(r.remove(customer: "c7"))
        XCTAssertNil(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: keys[7], at: t0)!), at: t0)))
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: keys[8], at: t0)!), at: t0))?.customer, "c8")
        // Re-enrolment with a new key: the old key no longer recognises.
        let replaced = randomIRK(&rng)
        r.upsert(ConsentKeys(customer: "c8", beaconKey: replaced), at: t0)
        XCTAssertNil(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: keys[8], at: t0)!), at: t0)))
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: replaced, at: t0)!), at: t0))?.customer, "c8")
        // A slot freed by c7 is reused and still right after a roll.
        r.upsert(ConsentKeys(customer: "late", beaconKey: keys[7]), at: t0)
        let later = t0.addingTimeInterval(1200)
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: keys[7], at: later)!), at: later))?.customer, "late")
    }

    func testReconcileTouchesOnlyWhatChanged() {
        var rng = TestSeed.generator(for: self)
        var r = recogniser()
        var consents = (0..<20).map { ConsentKeys(customer: "c\($0)", beaconKey: randomIRK(&rng)) }
        r.load(consents, at: t0)
        XCTAssertEqual(r.reconcile(with: consents, at: t0).upserted, 0)
        consents.remove(at: 3)
        consents[5].irk = specIRK
        consents.append(ConsentKeys(customer: "z", irk: Block128(hi: 9, lo: 9)))
        let result = r.reconcile(with: consents, at: t0)
        XCTAssertEqual(result.upserted, 2)
        XCTAssertEqual(result.removed, 1)
        XCTAssertFalse(r.contains(customer: "c3"))
        XCTAssertEqual(r.customerCount, 20)
        XCTAssertEqual(r.enrolledIRKCount, 2)
    }

    func testExpiredConsentDropsOutOnItsOwn() {
        var r = recogniser()
        let key = Block128(hi: 5, lo: 6)
        r.load([ConsentKeys(customer: "anna", beaconKey: key, irk: specIRK, expires: t0.addingTimeInterval(30)),
                ConsentKeys(customer: "bob", beaconKey: Block128(hi: 7, lo: 8))], at: t0)
        XCTAssertEqual(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: key, at: t0)!), at: t0))?.customer, "anna")
        // Any sighting after the expiry drops her keys from the tables, not only her own.
        _ = r.recognise(radio(.other, at: t0.addingTimeInterval(31)))
        XCTAssertFalse(r.contains(customer: "anna"))
        XCTAssertEqual(r.enrolledIRKCount, 0)
        XCTAssertEqual(r.customerCount, 1)
        let late = t0.addingTimeInterval(32)
        XCTAssertNil(r.recognise(radio(.wlk1(companyID: 0xFFFF, token: WLK1.token(beaconKey: key, at: late)!), at: late)))
    }
}
