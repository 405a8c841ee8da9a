import Foundation
import XCTest
@testable import WelkomZones
import WelkomTesting

final class ZoneTrackerTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// One receiver at till 2: close means till 2, a few metres further means till 1.
    let rangeZones = [Zone(till: "1", rssiMin: -75, rssiMax: -61), Zone(till: "2", rssiMin: -60, rssiMax: 0)]

    /// Feeds `rssi` every 100 ms from `start` for `seconds`; returns the till after each report.
    @discardableResult
    func feed(_ tracker: inout ZoneTracker, _ customer: String = "anna", receiver: String? = nil,
              from start: Double, seconds: Double, rssi: (Int) -> Int) -> [String?] {
        var out: [String?] = []
        let n = Int((seconds * 10).rounded())
        for i in 0..<n {
            out.append(tracker.observe(customer: customer, receiver: receiver, rssi: rssi(i),
                                       at: t0.addingTimeInterval(start + Double(i) / 10)))
        }
        return out
    }

    func testNoZoneUntilTheDwellHasPassed() {
        var tracker = ZoneTracker(zones: rangeZones)
        let tills = feed(&tracker, from: 0, seconds: 3) { _ in -50 }
        // Before 2 s of wanting till 2 (and the filter seeing it): nowhere; after: till 2, and it stays.
        XCTAssertEqual(tills.prefix(20).compactMap { $0 }, [])
        XCTAssertEqual(Set(tills.suffix(5)), ["2"])
    }

    func testWalkingPastTillOneToTillTwoGivesTillTwoOnly() {
        var tracker = ZoneTracker(zones: rangeZones)
        var tills = feed(&tracker, from: 0, seconds: 1) { _ in -90 }           // door: heard, no zone
        tills += feed(&tracker, from: 1, seconds: 1) { _ in -67 }              // passing till 1 briefly
        tills += feed(&tracker, from: 2, seconds: 5) { $0 % 4 == 3 ? -64 : -52 }  // at till 2, wobbling
        XCTAssertFalse(tills.contains("1"), "\(tills)")
        XCTAssertEqual(tills.last, "2")
        // Once at till 2 it never leaves while the customer stays.
        let firstTwo = tills.firstIndex(of: "2")!
        XCTAssertTrue(tills[firstTwo...].allSatisfy { $0 == "2" }, "\(tills)")
    }

    func testStandingAtTillOneThenMovingToTillTwoSwitchesOnce() {
        var tracker = ZoneTracker(zones: rangeZones)
        var tills = feed(&tracker, from: 0, seconds: 4) { _ in -68 }
        XCTAssertEqual(tills.last, "1")
        tills = feed(&tracker, from: 4, seconds: 4) { _ in -50 }
        XCTAssertEqual(tills.last, "2")
        // One change: a run of "1" then a run of "2".
        let changes = zip(tills, tills.dropFirst()).filter { $0 != $1 }.count
        XCTAssertEqual(changes, 1, "\(tills)")
    }

    /// A signal hovering at the boundary between two ranges keeps the zone it already has.
    func testHoveringAtTheBoundaryDoesNotFlicker() {
        var tracker = ZoneTracker(zones: rangeZones)
        feed(&tracker, from: 0, seconds: 3) { _ in -55 }
        XCTAssertEqual(tracker.till(of: "anna"), "2")
        let tills = feed(&tracker, from: 3, seconds: 10) { $0 % 2 == 0 ? -59 : -62 }
        XCTAssertEqual(Set(tills), ["2"])
    }

    /// Deep fades (a body between phone and receiver) are outvoted by the upper percentile.
    func testBriefFadesDoNotMoveTheCustomer() {
        var tracker = ZoneTracker(zones: rangeZones)
        feed(&tracker, from: 0, seconds: 3) { _ in -52 }
        let tills = feed(&tracker, from: 3, seconds: 10) { $0 % 3 == 0 ? -80 : -52 }
        XCTAssertEqual(Set(tills), ["2"])
    }

    func testLeavingEveryZoneAfterTheDwell() {
        var tracker = ZoneTracker(zones: rangeZones)
        feed(&tracker, from: 0, seconds: 3) { _ in -52 }
        let tills = feed(&tracker, from: 3, seconds: 6) { _ in -95 }
        XCTAssertEqual(tills.last, .some(nil))
    }

    /// Two receivers, one per till: the one that hears the customer clearly stronger wins;
    /// near equality keeps the current till.
    func testReceiversPerTill() {
        let zones = [Zone(till: "1", receiver: "r1", rssiMin: -80), Zone(till: "2", receiver: "r2", rssiMin: -80)]
        var tracker = ZoneTracker(zones: zones)
        for i in 0..<30 {
            let t = Double(i) / 10
            _ = tracker.observe(customer: "anna", receiver: "r1", rssi: -55, at: t0.addingTimeInterval(t))
            _ = tracker.observe(customer: "anna", receiver: "r2", rssi: -70, at: t0.addingTimeInterval(t + 0.05))
        }
        XCTAssertEqual(tracker.till(of: "anna"), "1")
        // r2 slightly stronger than r1 (less than the margin): stays at till 1.
        for i in 30..<60 {
            let t = Double(i) / 10
            _ = tracker.observe(customer: "anna", receiver: "r1", rssi: -60, at: t0.addingTimeInterval(t))
            _ = tracker.observe(customer: "anna", receiver: "r2", rssi: -58, at: t0.addingTimeInterval(t + 0.05))
        }
        XCTAssertEqual(tracker.till(of: "anna"), "1")
        // r2 clearly stronger: moves to till 2.
        for i in 60..<100 {
            let t = Double(i) / 10
            _ = tracker.observe(customer: "anna", receiver: "r1", rssi: -72, at: t0.addingTimeInterval(t))
            _ = tracker.observe(customer: "anna", receiver: "r2", rssi: -50, at: t0.addingTimeInterval(t + 0.05))
        }
        XCTAssertEqual(tracker.till(of: "anna"), "2")
        // A zone bound to r1 ignores what r2 hears, and vice versa.
        var other = ZoneTracker(zones: [Zone(till: "1", receiver: "r1")])
        feed(&other, receiver: "r2", from: 0, seconds: 3) { _ in -40 }
        XCTAssertNil(other.till(of: "anna"))
    }

    /// A receiver that stops hearing the customer stops counting after the window.
    func testASilentReceiverStopsCounting() {
        let zones = [Zone(till: "1", receiver: "r1", rssiMin: -80), Zone(till: "2", receiver: "r2", rssiMin: -80)]
        var tracker = ZoneTracker(zones: zones)
        feed(&tracker, receiver: "r1", from: 0, seconds: 3) { _ in -50 }
        XCTAssertEqual(tracker.till(of: "anna"), "1")
        feed(&tracker, receiver: "r2", from: 3, seconds: 6) { _ in -75 }
        XCTAssertEqual(tracker.till(of: "anna"), "2")
    }

    func testCustomersAreIndependentAndForgotten() {
        var tracker = ZoneTracker(zones: rangeZones)
        feed(&tracker, "anna", from: 0, seconds: 3) { _ in -50 }
        feed(&tracker, "bram", from: 0, seconds: 3) { _ in -70 }
        XCTAssertEqual(tracker.till(of: "anna"), "2")
        XCTAssertEqual(tracker.till(of: "bram"), "1")
        tracker.forget(customer: "anna")
        XCTAssertNil(tracker.till(of: "anna"))
        XCTAssertEqual(tracker.trackedCount, 1)
        tracker.sweep(now: t0.addingTimeInterval(60))
        XCTAssertEqual(tracker.trackedCount, 0)
    }

    func testSightingsWithoutRSSIChangeNothing() {
        var tracker = ZoneTracker(zones: rangeZones)
        feed(&tracker, from: 0, seconds: 3) { _ in -50 }
        for i in 0..<50 {
            XCTAssertEqual(tracker.observe(customer: "anna", receiver: nil, rssi: nil, at: t0.addingTimeInterval(3 + Double(i) / 10)), "2")
        }
    }

    /// Arbitrary RSSI values and times (out of order, extreme) never crash and give only configured tills.
    func testRandomInputStaysWithinTheConfiguredTills() {
        var rng = TestSeed.generator(for: self)
        var tracker = ZoneTracker(zones: rangeZones, tuning: ZoneTuning(percentile: 250, windowSeconds: 0, dwellSeconds: 0))
        for _ in 0..<5000 {
            let till = tracker.observe(customer: ["a", "b", "c"].randomElement(using: &rng)!,
                                       receiver: [nil, "r1", ""].randomElement(using: &rng)!,
                                       rssi: Bool.random(using: &rng) ? Int.random(in: -200...200, using: &rng) : nil,
                                       at: t0.addingTimeInterval(Double.random(in: -100...100, using: &rng)))
            XCTAssertTrue(till == nil || till == "1" || till == "2")
        }
    }

    func testPercentileFilter() {
        var w = RSSIWindow()
        XCTAssertNil(w.percentile(50))
        for (i, v) in [-80, -50, -52, -51, -90].enumerated() { w.add(v, at: t0.addingTimeInterval(Double(i))) }
        XCTAssertEqual(w.percentile(50), -52)
        XCTAssertEqual(w.percentile(75), -51)
        XCTAssertEqual(w.percentile(0), -90)
        w.prune(now: t0.addingTimeInterval(4), window: 1.5)
        XCTAssertEqual(w.percentile(0), -90)  // samples at 3 and 4 remain
        XCTAssertEqual(w.percentile(100), -51)
        for i in 0..<200 { w.add(i, at: t0.addingTimeInterval(10)) }
        XCTAssertEqual(w.percentile(0), Double(200 - RSSIWindow.capacity))
    }
}
