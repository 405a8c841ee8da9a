import Foundation
import WelkomCore
import WelkomTesting
import XCTest
@testable import WelkomTillHub

/// A till event's JSON is written by hand (JSONEncoder cost an eighth of the agent's CPU while
/// prompts streamed). Checked here against Foundation's own JSON parser and ISO 8601 formatter
/// on random prompts: every field reads back as it was, keys sorted, always one line.
final class TillEventEncodingTests: XCTestCase {
    /// Quotes, backslashes, every control character, line and paragraph separators, combining
    /// marks, emoji and plain text.
    private static let alphabet: [Unicode.Scalar] = (0..<0x20).compactMap(Unicode.Scalar.init)
        + ["\"", "\\", "/", "\u{7F}", "\u{2028}", "\u{2029}", "\u{301}", "é", "ß", "€", "😀", "a", "Z", " ", "{", "}"]

    func testPromptEventsReadBackAsTheyWereWritten() throws {
        var rng = TestSeed.generator(for: self)
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        for round in 0..<2000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) { text.append(Self.alphabet.randomElement(using: &rng)!) }
            let createdMs = Int64.random(in: 1_600_000_000_000...2_000_000_000_000, using: &rng)
            let created = Date(timeIntervalSince1970: Double(createdMs) / 1000)
            let expires = created + TimeInterval(Int.random(in: 1...3600, using: &rng)) + Double.random(in: 0..<1, using: &rng)
            var prompt = Prompt(id: "p\(round)\"\\", kind: PromptKind.allCases.randomElement(using: &rng)!, customer: "c",
                                till: "1", scheme: .wlk1, language: .nl, text: String(text), created: created, expires: expires)
            if Bool.random(using: &rng) { prompt.scopes = Set(Scope.allCases.filter { _ in Bool.random(using: &rng) }) }
            let payload = PromptPayload(prompt)
            let json = TillEvent(id: 1, till: "1", body: .prompt(payload)).dataJSON()

            XCTAssertFalse(json.contains("\n") || json.contains("\r"), "round \(round): the data line breaks: \(json)")
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                                       "round \(round): not a JSON object: \(json)")
            XCTAssertEqual(object["text"] as? String, payload.text, "round \(round)")
            XCTAssertEqual(object["id"] as? String, payload.id, "round \(round)")
            XCTAssertEqual(object["kind"] as? String, prompt.kind.rawValue, "round \(round)")
            XCTAssertEqual(object["scopes"] as? [String], prompt.scopes.map { $0.sorted().map(\.rawValue) }, "round \(round)")
            XCTAssertEqual(object["scopes"] == nil, prompt.scopes == nil, "round \(round): scopes present only when given")
            let createdText = try XCTUnwrap(object["created"] as? String)
            XCTAssertEqual(fractional.date(from: createdText).map { UTCTimestamp.milliseconds($0) }, createdMs,
                           "round \(round): created \(createdText)")
            XCTAssertTrue(createdText.hasSuffix("Z") && createdText.count == 24, "round \(round): \(createdText)")
            let expiresText = try XCTUnwrap(object["expires"] as? String)
            XCTAssertEqual(expiresText, plain.string(from: expires), "round \(round): expires as JSONEncoder's .iso8601 wrote it")
            // Sorted keys, as the page and earlier versions had them.
            let keys = ["created", "expires", "id", "kind", "scopes", "text"].filter { object[$0] != nil }
            let positions = keys.compactMap { json.range(of: "\"\($0)\":")?.lowerBound }
            XCTAssertEqual(positions, positions.sorted(), "round \(round): keys out of order in \(json)")
            if testRun?.failureCount ?? 0 > 0 { return }
        }
    }

    func testRemoveAndResetEvents() throws {
        let removal = TillEvent(id: 2, till: "1", body: .remove(promptID: "p\n1", reason: .acknowledged)).dataJSON()
        XCTAssertEqual(removal, #"{"id":"p\n1","reason":"acknowledged"}"#)
        let reset = TillEvent(id: 3, till: "1", body: .reset(serverTime: Date(timeIntervalSince1970: 1_700_000_000.999))).dataJSON()
        XCTAssertEqual(reset, #"{"serverTime":"2023-11-14T22:13:20Z"}"#)
    }

    func testTimestampsMatchFoundationsFormatter() {
        var rng = TestSeed.generator(for: self)
        let plain = ISO8601DateFormatter()
        for _ in 0..<5000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &rng))
            XCTAssertEqual(UTCTimestamp.rfc3339Seconds(date), plain.string(from: date), "\(date.timeIntervalSince1970)")
            if testRun?.failureCount ?? 0 > 0 { return }
        }
    }
}
