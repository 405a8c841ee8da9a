/// Text toml++ would not survive, refused before toml++ sees it. toml++'s parser only asserts a
/// few cases it assumes cannot happen: a debug build aborts, and a release build, where the
/// assertion becomes `__builtin_assume`, runs on with undefined behaviour. The fuzzer found two:
/// - a table header that names no key: `[` (or `[[`) followed, after spaces, by something that
///   cannot start a key — a line break, `#`, `=`, `.` … (`[\n`);
/// - a `}` where an array expects a value: after its `[` or a `,` (`s=[}`).
/// The scan follows TOML's lexical states (strings, multi-line strings, comments, arrays, inline
/// tables) so that brackets inside a string or a value are never taken for a header.
enum TOMLPreflight {
    struct Trap: Equatable {
        var line: Int
        var message: String
    }

    static func firstTrap(in text: String) -> Trap? {
        let s = Array(text.unicodeScalars)
        // toml++ skips a UTF-8 byte order mark; so does this, or a header after one goes unseen.
        var i = s.first == "\u{FEFF}" ? 1 : 0
        var line = 1
        var open: [Unicode.Scalar] = []   // "h" a header's bracket, "[" an array, "{" an inline table
        var atLineStart = true            // nothing but spaces and tabs so far on this line
        var expectingValue = false        // just after an array's '[' or ','
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func skipBlanks(_ k: inout Int) { while let c = at(k), c == " " || c == "\t" { k += 1 } }
        while i < s.count {
            let c = s[i]
            var valueNext = false
            switch c {
            case "\n":
                line += 1
                atLineStart = true
                i += 1
                continue
            case " ", "\t", "\r":
                i += 1
                continue
            case "#":
                while let d = at(i), d != "\n" { i += 1 }
                continue
            case "}" where expectingValue && open.last == "[":
                return Trap(line: line, message: "not valid TOML: an array holds values, not '}'")
            case "\"", "'":
                let triple = at(i + 1) == c && at(i + 2) == c
                i += triple ? 3 : 1
                while let d = at(i) {
                    if d == "\\", c == "\"" {
                        if at(i + 1) == "\n" { line += 1 }
                        i += 2
                        continue
                    }
                    if d == "\n" {
                        if !triple { break }   // an unterminated string: toml++ reports it
                        line += 1
                    }
                    if d == c, !triple || (at(i + 1) == c && at(i + 2) == c) {
                        i += triple ? 3 : 1
                        // Up to two more quotes may end a multi-line string ("""a""""").
                        while triple, at(i) == c { i += 1 }
                        break
                    }
                    i += 1
                }
            case "[" where open.isEmpty && atLineStart:
                var k = i + 1
                let blanks = k
                skipBlanks(&k)
                if at(k) == "[", k == blanks {
                    k += 1
                    skipBlanks(&k)
                }
                if let d = at(k), !(isBareKeyCharacter(d) || d == "\"" || d == "'" || d == "]") {
                    return Trap(line: line, message: "not valid TOML: a table header must name a table, as in [section] or [[reader]]")
                }
                open.append("h")
                i += 1
            case "[":
                // The second bracket of a `[[header]]` counts as an array here; a key follows it,
                // never a '}', so that is harmless.
                open.append("[")
                valueNext = true
                i += 1
            case "{":
                open.append("{")
                i += 1
            case ",":
                valueNext = open.last == "["
                i += 1
            case "]", "}":
                _ = open.popLast()
                i += 1
            default:
                i += 1
            }
            atLineStart = false
            expectingValue = valueNext
        }
        return nil
    }

    private static func isBareKeyCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }
}
