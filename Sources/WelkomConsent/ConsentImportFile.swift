import Foundation
import WelkomCore
import WelkomIdentifiers
import WelkomRegistry

/// A `consent import` file: one JSON object per line with the enroll options as keys. Every line
/// is checked before any is enrolled, and the file as a whole: an unknown key, a customer or a
/// card on two lines, a control character anywhere — each refused as "FILE:LINE: what is wrong",
/// and then nothing is imported. Problems never repeat a card number or a key.
public enum ConsentImportFile {
    /// More lines than this is no back-office export of one shop but a mistake (or an attack on
    /// memory): refused before parsing.
    public static let maximumLines = 100_000
    /// A line longer than this cannot be a valid enrolment (every field has a limit).
    public static let maximumLineBytes = 16 * 1024

    public static func parse(_ text: String, file: String, now: Date = Date(),
                             exempting exemptions: PaymentCardExemptions = .none) -> Result<[Enrolment], ImportProblems> {
        var enrolments: [(line: Int, enrolment: Enrolment)] = []
        var problems: [String] = []
        var customers: [CustomerID: Int] = [:]
        var cards: [String: Int] = [:]
        // Split on "\n" only: a CR or another line break inside a line is a control character.
        // The newline that ends the last line starts no line of its own: a file of exactly
        // `maximumLines` lines, as any editor saves it, is not one line too long.
        var lines = text.split(separator: "\n", maxSplits: maximumLines + 1, omittingEmptySubsequences: false)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        if lines.count > maximumLines {
            return .failure(ImportProblems(lines: ["\(file): more than \(maximumLines) lines; split the file"]))
        }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard trimmed.utf8.count <= maximumLineBytes else {
                problems.append("\(file):\(number): line of \(trimmed.utf8.count) bytes, at most \(maximumLineBytes) allowed")
                continue
            }
            do {
                let data = Data(trimmed.utf8)
                let keys = try JSONDecoder().decode([String: Ignored].self, from: data).keys.sorted()
                for key in keys where !EnrolmentForm.Line.keys.contains(key) {
                    problems.append("\(file):\(number): \(unknownKey(key))")
                }
                let input = try JSONDecoder().decode(EnrolmentForm.Line.self, from: data)
                let e = try input.form.enrolment(now: now, exempting: exemptions)
                if let first = customers[e.customer] {
                    problems.append("\(file):\(number): customer \(quoted(e.customer)) is already on line \(first); each customer once")
                } else {
                    customers[e.customer] = number
                }
                for (i, card) in e.cards.enumerated() {
                    if let first = cards[card], first != number {
                        problems.append("\(file):\(number): card #\(i + 1) is already on line \(first); a card belongs to one customer")
                    } else {
                        cards[card] = number
                    }
                }
                enrolments.append((number, e))
            } catch let error as DecodingError {
                problems.append("\(file):\(number): \(EnrolmentForm.describe(error))")
            } catch {
                problems.append("\(file):\(number): \(error)")
            }
        }
        return problems.isEmpty ? .success(enrolments.map(\.enrolment)) : .failure(ImportProblems(lines: problems))
    }

    public struct ImportProblems: Error, Sendable {
        public var lines: [String]
    }

    /// `unknown key "expiry" (did you mean "expires"?)`; the key is escaped, it may hold anything.
    static func unknownKey(_ key: String) -> String {
        var message = "unknown key \(quoted(key))"
        if let close = closest(to: key) { message += " (did you mean \(quoted(close))?)" }
        return message
    }

    /// The known key within edit distance 2 of `key` (or containing it), if exactly one is closest.
    private static func closest(to key: String) -> String? {
        let lower = Array(key.lowercased().unicodeScalars)
        guard lower.count <= 64 else { return nil }
        let scored = EnrolmentForm.Line.keys.map { ($0, distance(lower, Array($0.unicodeScalars))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return scored.filter { $0.1 == best.1 }.count == 1 ? best.0 : nil
    }

    private static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// A JSON-ish quoted string with control characters escaped, for messages.
    static func quoted(_ s: String) -> String {
        "\"" + FieldLimits.escapingControls(String(s.prefix(80))).replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Any JSON value, not looked at: decoding a line as `[String: Ignored]` lists its keys.
    private struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
