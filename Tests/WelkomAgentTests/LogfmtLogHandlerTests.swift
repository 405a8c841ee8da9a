import XCTest
@testable import WelkomAgent

/// journald and log shippers split on these rules, so a value with spaces or quotes must not
/// break a line into fields nor a JSON line into invalid JSON.
final class LogfmtLogHandlerTests: XCTestCase {
    func testLogfmtQuotesOnlyWhatNeedsIt() {
        XCTAssertEqual(LogfmtLogHandler.logfmtValue("plain"), "plain")
        XCTAssertEqual(LogfmtLogHandler.logfmtValue(""), "\"\"")
        XCTAssertEqual(LogfmtLogHandler.logfmtValue("two words"), "\"two words\"")
        XCTAssertEqual(LogfmtLogHandler.logfmtValue("a=b"), "\"a=b\"")
        XCTAssertEqual(LogfmtLogHandler.logfmtValue("say \"hi\"\nnext"), "\"say \\\"hi\\\"\\nnext\"")
    }

    func testJSONStringsStayValidJSON() throws {
        let raw = "quote \" backslash \\ newline \n tab \t bell \u{07} é"
        let encoded = LogfmtLogHandler.jsonString(raw)
        let decoded = try JSONDecoder().decode(String.self, from: Data(encoded.utf8))
        XCTAssertEqual(decoded, raw)
    }

    /// `time=` is now in UTC with milliseconds, as log shippers parse RFC 3339.
    func testTimestampIsNowInRFC3339WithMilliseconds() throws {
        let before = Date()
        let stamp = LogfmtLogHandler.timestamp()
        let after = Date()
        XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), stamp)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try XCTUnwrap(parser.date(from: stamp))
        XCTAssertGreaterThanOrEqual(parsed.timeIntervalSince(before), -0.001, stamp)
        XCTAssertLessThanOrEqual(parsed.timeIntervalSince(after), 0.001, stamp)
    }
}
