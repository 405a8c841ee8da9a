/// Why an enrolment or an import line was refused, in words an operator can act on. The text
/// names the option as `consent enroll` spells it; an import prefixes FILE:LINE.
public struct ConsentProblem: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
