import XCTest
@testable import WelkomRadio

/// The paced replay's decision per record (PlaybackPacer): recorded pace for sound captures; a
/// time out of line played at once and reported with its record number, never waited for.
final class PlaybackPacerTests: XCTestCase {
    let second: Int64 = 1_000_000
    let year: Int64 = 31_557_600_000_000

    func testSoundCaptureIsPlayedAtItsRecordedPace() {
        var pacer = PlaybackPacer()
        let t0: Int64 = 63_900_000_000_000_000
        XCTAssertEqual(pacer.decide(timestamp: t0, record: 1, elapsedMicroseconds: 0), .playAt(elapsedMicroseconds: 0))
        XCTAssertEqual(pacer.decide(timestamp: t0 + second, record: 2, elapsedMicroseconds: 10), .playAt(elapsedMicroseconds: second))
        // A quiet spell of 4 minutes is within bounds and waited for.
        XCTAssertEqual(pacer.decide(timestamp: t0 + 241 * second, record: 5, elapsedMicroseconds: second),
                       .playAt(elapsedMicroseconds: 241 * second))
    }

    func testOneRecordYearsAheadIsPlayedAtOnceAndSoIsTheOneAfterIt() {
        var pacer = PlaybackPacer()
        let t0: Int64 = 63_900_000_000_000_000
        _ = pacer.decide(timestamp: t0, record: 1, elapsedMicroseconds: 0)
        _ = pacer.decide(timestamp: t0 + second, record: 2, elapsedMicroseconds: second)
        let ahead = pacer.decide(timestamp: t0 + 3 * year, record: 3, elapsedMicroseconds: second + 5)
        XCTAssertEqual(ahead, .playNow(CaptureTimeProblem(record: 3, previousRecord: 2, deltaMicroseconds: 3 * year - second)))
        guard case .playNow(let problem) = ahead else { return XCTFail() }
        XCTAssertTrue(problem.description.hasPrefix("record 3: its time is 3 years after record 2's"), problem.description)
        // Back to the capture's own time: out of line with record 3, so played at once too, and
        // pacing goes on from there.
        let back = pacer.decide(timestamp: t0 + 2 * second, record: 4, elapsedMicroseconds: 2 * second)
        guard case .playNow(let backProblem) = back else { return XCTFail("\(back)") }
        XCTAssertTrue(backProblem.wentBack)
        XCTAssertEqual(backProblem.record, 4)
        XCTAssertTrue(backProblem.description.hasPrefix("record 4: its time is 3 years before record 3's"), backProblem.description)
        XCTAssertEqual(pacer.decide(timestamp: t0 + 3 * second, record: 5, elapsedMicroseconds: 2 * second + 1),
                       .playAt(elapsedMicroseconds: 3 * second))
    }

    func testBoundsAndOverflow() {
        var pacer = PlaybackPacer(maximumGapMicroseconds: 10 * second)
        _ = pacer.decide(timestamp: 0, record: 1, elapsedMicroseconds: 0)
        XCTAssertEqual(pacer.decide(timestamp: 10 * second, record: 2, elapsedMicroseconds: 0), .playAt(elapsedMicroseconds: 10 * second))
        XCTAssertEqual(pacer.decide(timestamp: 20 * second + 1, record: 3, elapsedMicroseconds: 10 * second),
                       .playNow(CaptureTimeProblem(record: 3, previousRecord: 2, deltaMicroseconds: 10 * second + 1)))
        // A phone's log stamps the two directions from two threads: a step back under a second
        // is already due and not reported; one of a second and more is.
        XCTAssertEqual(pacer.decide(timestamp: 20 * second - 900_000, record: 4, elapsedMicroseconds: 10 * second),
                       .playAt(elapsedMicroseconds: 10 * second - 900_001))
        guard case .playNow(let p) = pacer.decide(timestamp: 18 * second, record: 5, elapsedMicroseconds: 10 * second) else {
            return XCTFail()
        }
        XCTAssertEqual(p.deltaMicroseconds, -(2 * second - 900_000))
        // Garbage at both ends of Int64 neither traps nor waits.
        guard case .playNow = pacer.decide(timestamp: .max, record: 6, elapsedMicroseconds: 0),
              case .playNow = pacer.decide(timestamp: .min, record: 7, elapsedMicroseconds: 0) else { return XCTFail() }
    }

    func testSpansAreSaidAsAPersonWould() {
        XCTAssertEqual(CaptureTimeProblem.span(500_000), "500 ms")
        XCTAssertEqual(CaptureTimeProblem.span(90 * 1_000_000), "90 s")
        XCTAssertEqual(CaptureTimeProblem.span(38 * 86_400 * 1_000_000), "38 days")
        XCTAssertEqual(CaptureTimeProblem.span(UInt64(Int64.max)), "292271 years")
    }
}
