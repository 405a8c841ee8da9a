import Foundation
import WelkomRegistry

/// A `consent import` file: one JSON object per line with the enroll options as keys. Every line
/// is checked before any is enrolled; the problems come back as "FILE:LINE: what is wrong".
public enum ConsentImportFile {
    public static func parse(_ text: String, file: String, now: Date = Date()) -> Result<[Enrolment], ImportProblems> {
        var enrolments: [Enrolment] = []
        var problems: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            do {
                let input = try JSONDecoder().decode(EnrolmentForm.Line.self, from: Data(trimmed.utf8))
                enrolments.append(try input.form.enrolment(now: now))
            } catch let error as DecodingError {
                problems.append("\(file):\(index + 1): \(EnrolmentForm.describe(error))")
            } catch {
                problems.append("\(file):\(index + 1): \(error)")
            }
        }
        return problems.isEmpty ? .success(enrolments) : .failure(ImportProblems(lines: problems))
    }

    public struct ImportProblems: Error, Sendable {
        public var lines: [String]
    }
}
