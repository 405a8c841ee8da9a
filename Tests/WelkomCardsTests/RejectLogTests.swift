@testable import WelkomCards
import WelkomIdentifiers
import XCTest

/// Issue 12, finding 7: 5,000 unusable lines from one scanner gave 2,546 log lines. At most 10
/// a minute per reader are logged, then one line that the rest are only counted; the next
/// minute's first line carries the count.
final class RejectLogTests: XCTestCase {
    func testFiveThousandRejectsInAMinuteGiveElevenLinesAndTheCountFollows() {
        let log = LogCapture()
        let rejects = RejectLog()
        let start = ContinuousClock.now
        for i in 0..<5000 {
            rejects.reject(.lineTooLong(limit: 256), reader: "serial /dev/ttyS9", logger: log.logger,
                           now: start + .milliseconds(i))
        }
        XCTAssertEqual(log.count("card reader sent an unusable code"), 10)
        XCTAssertEqual(log.count("card reader sends many unusable codes; the rest of this minute's are only counted"), 1)
        XCTAssertEqual(log.entries.count, 11)

        rejects.reject(.lineTooLong(limit: 256), reader: "serial /dev/ttyS9", logger: log.logger, now: start + .seconds(61))
        XCTAssertEqual(log.entries.last?.metadata["not_logged_last_minute"]?.description, "4990")
        XCTAssertTrue(log.entries.allSatisfy { $0.metadata["reader"]?.description == "serial /dev/ttyS9" })
    }
}
