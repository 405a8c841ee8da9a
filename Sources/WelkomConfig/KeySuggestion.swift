/// "did you mean …?" for an unknown key: a typo must not be silently ignored, and the
/// operator should not have to look the right spelling up.
enum KeySuggestion {
    /// The known key closest to `key`, if it is close enough to be a plausible typo.
    static func closest(to key: String, among known: [String]) -> String? {
        let wanted = normalised(key)
        // Same word in another spelling: dpiaReference, DPIA-reference, retention-days.
        if let same = known.first(where: { normalised($0) == wanted }) { return same }
        // A word cut short or run on: warn → warning, jsonl → json.
        if wanted.count >= 3, let stem = known.first(where: {
            let k = normalised($0)
            return k.count >= 3 && (k.hasPrefix(wanted) || wanted.hasPrefix(k))
        }) { return stem }
        let limit = max(1, min(3, key.count / 3))
        var best: (key: String, distance: Int)?
        for candidate in known {
            let d = distance(Array(wanted), Array(normalised(candidate)))
            if d <= limit, d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.key
    }

    private static func normalised(_ s: String) -> String {
        String(s.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Levenshtein distance, with adjacent transpositions counted as one edit.
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
