import Foundation
import XCTest
@testable import WelkomZones

/// A reloaded config gives the tracker new zones; customers keep their zone where it is unchanged.
final class ZoneReconfigureTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let till1 = Zone(till: "1", rssiMin: -75, rssiMax: -61)
    let till2 = Zone(till: "2", rssiMin: -60, rssiMax: 0)

    func feed(_ tracker: inout ZoneTracker, from start: Double, seconds: Double, rssi: Int) -> String? {
        var last: String?
        for i in 0..<Int(seconds * 10) {
            last = tracker.observe(customer: "anna", receiver: nil, rssi: rssi, at: t0.addingTimeInterval(start + Double(i) / 10))
        }
        return last
    }

    func testUnchangedZoneKeepsItsCustomersAcrossReordering() {
        var tracker = ZoneTracker(zones: [till1, till2])
        XCTAssertEqual(feed(&tracker, from: 0, seconds: 3, rssi: -50), "2")
        let till3 = Zone(till: "3", receiver: "door")
        tracker.reconfigure(zones: [till3, till2, till1], tuning: ZoneTuning())
        XCTAssertEqual(tracker.till(of: "anna"), "2", "same zone, new position: still there, no dwell again")
        XCTAssertEqual(tracker.observe(customer: "anna", receiver: nil, rssi: -50, at: t0.addingTimeInterval(3.1)), "2")
        XCTAssertEqual(tracker.trackedCount, 1)
    }

    func testChangedZoneStartsOverFromTheSamples() {
        var tracker = ZoneTracker(zones: [till1, till2])
        XCTAssertEqual(feed(&tracker, from: 0, seconds: 3, rssi: -50), "2")
        let moved = Zone(till: "2", rssiMin: -55, rssiMax: 0)
        tracker.reconfigure(zones: [till1, moved], tuning: ZoneTuning())
        XCTAssertNil(tracker.till(of: "anna"), "its zone changed: no zone until the dwell passes again")
        XCTAssertEqual(tracker.trackedCount, 1, "the customer's RSSI windows are kept")
        XCTAssertEqual(feed(&tracker, from: 3, seconds: 3, rssi: -50), "2")
    }

    func testNewTuningApplies() {
        var tracker = ZoneTracker(zones: [till1, till2], tuning: ZoneTuning(dwellSeconds: 2))
        tracker.reconfigure(zones: [till1, till2], tuning: ZoneTuning(dwellSeconds: 0.5))
        XCTAssertEqual(tracker.tuning.dwellSeconds, 0.5)
        XCTAssertEqual(feed(&tracker, from: 0, seconds: 1, rssi: -50), "2", "half a second of dwell is enough now")
    }
}
