/// A table header toml++ would not survive: `[` (or `[[`) followed, after spaces, by something
/// that cannot start a key — a line break, `#`, `=`, `.` … (`[\n` was found by the fuzzer).
/// toml++'s parser only asserts that case: a debug build aborts, and a release build, where the
/// assertion becomes `__builtin_assume`, runs on with undefined behaviour. So it is refused here,
/// before toml++ sees the text, with the line. The scan follows TOML's lexical states (strings,
/// multi-line strings, comments, arrays and inline tables) so that a `[` inside a value is never
/// taken for a header.
enum TableHeaderCheck {
    /// The 1-based line of the first header that names no key, or nil.
    static func lineOfHeaderWithoutKey(in text: String) -> Int? {
        let s = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        var depth = 0            // open '[' and '{' of values
        var atLineStart = true   // nothing but spaces and tabs so far on this line
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func skipBlanks(_ k: inout Int) { while let c = at(k), c == " " || c == "\t" { k += 1 } }
        while i < s.count {
            let c = s[i]
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
            case "[" where depth == 0 && atLineStart:
                var k = i + 1
                let blanks = k
                skipBlanks(&k)
                if at(k) == "[", k == blanks {
                    k += 1
                    skipBlanks(&k)
                }
                if let d = at(k), !(isBareKeyCharacter(d) || d == "\"" || d == "'" || d == "]") {
                    return line
                }
                // The header's own brackets: counted as they come, '[' here and ']' below.
                depth += 1
                i += 1
            case "[", "{":
                depth += 1
                i += 1
            case "]", "}":
                depth = max(0, depth - 1)
                i += 1
            default:
                i += 1
            }
            atLineStart = false
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
