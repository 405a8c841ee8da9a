/// What a customer allowed the shop to show at the till. A prompt may show only what these allow.
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    case greeting
    case name
    case offers
    case notes

    public static func < (a: Scope, b: Scope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses "greeting,name" (spaces allowed). Throws on an unknown word rather than ignoring it:
    /// a typo in a scope list must not silently widen or narrow a consent.
    public static func parseList(_ text: String) throws(ScopeError) -> Set<Scope> {
        var result: Set<Scope> = []
        for part in text.split(separator: ",") {
            let word = part.trimmingCharacters(in: " ")
            guard !word.isEmpty else { continue }
            guard let scope = Scope(rawValue: word) else { throw ScopeError(word: word) }
            result.insert(scope)
        }
        return result
    }
}

public struct ScopeError: Error, CustomStringConvertible, Sendable {
    public var word: String
    public var description: String {
        "unknown scope '\(word)' (expected some of: \(Scope.allCases.map(\.rawValue).joined(separator: ", ")))"
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
