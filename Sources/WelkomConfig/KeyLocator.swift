/// Finds the line on which a key was written.
///
/// Why this exists: TOMLKit (toml++ underneath) reports the line of a *syntax* error, but
/// hands back values without their source position. A wrong type, a value out of range or
/// an unknown key must still be reported as `FILE:LINE: key: …`, so this small scanner walks
/// the text once, follows `[table]` and `[[array-of-tables]]` headers (counting the tables
/// of each array), and remembers where each `key =` (dotted keys included) first appears.
/// It skips over values — strings of all four kinds, multi-line arrays, inline tables — so a
/// line inside a multi-line string or array is never taken for a key.
///
/// It is deliberately lenient: it never fails, and on text it does not understand it moves
/// on to the next line, so it can also name the key on the line of a syntax error.
struct KeyLocator {
    /// Path (see `ConfigPath`) → the first line where it was defined.
    private var lines: [String: Int] = [:]
    /// Line → the path of the key or header written on it (the first one).
    private var pathsByLine: [Int: String] = [:]

    init(text: String) {
        var lines: [String: Int] = [:]
        var pathsByLine: [Int: String] = [:]
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.run { path, line in
            if lines[path] == nil { lines[path] = line }
            if pathsByLine[line] == nil { pathsByLine[line] = path }
        }
        self.lines = lines
        self.pathsByLine = pathsByLine
    }

    /// The line of `path`, or of its nearest enclosing key or table that was written out
    /// (a key inside an inline table, or a table only implied by its keys).
    func line(of path: String) -> Int? {
        var p = path
        while !p.isEmpty {
            if let line = lines[p] { return line }
            p = ConfigPath.parent(p)
        }
        return nil
    }

    /// The exact line of `path`, with no fallback to an enclosing table.
    func exactLine(of path: String) -> Int? {
        lines[path]
    }

    /// The key or table header written on `line`, if any.
    func path(onLine line: Int) -> String? {
        pathsByLine[line]
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var pos = 0
    var line = 1
    /// The path of the current table (with array indexes), "" at the root.
    var prefix = ""
    /// Array-of-tables path → how many of its tables have been seen so far.
    var arrayCounts: [String: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is not part of the first key.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    var atEnd: Bool { pos >= bytes.count }
    var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func peek(_ offset: Int) -> UInt8? {
        pos + offset < bytes.count ? bytes[pos + offset] : nil
    }

    mutating func advance() {
        if bytes[pos] == UInt8(ascii: "\n") { line += 1 }
        pos += 1
    }

    mutating func run(_ found: (String, Int) -> Void) {
        while true {
            skipBlankLinesAndComments()
            guard let c = current else { return }
            let start = pos
            if c == UInt8(ascii: "[") {
                header(found)
            } else {
                keyValue(found)
            }
            skipToNextLine()
            if pos == start { advance() }   // never loop on text not understood
        }
    }

    // MARK: Lines

    mutating func skipSpaces() {
        while let c = current, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
            advance()
        }
    }

    mutating func skipBlankLinesAndComments() {
        while let c = current {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") {
                advance()
            } else if c == UInt8(ascii: "#") {
                skipComment()
            } else {
                return
            }
        }
    }

    mutating func skipComment() {
        while let c = current, c != UInt8(ascii: "\n") { advance() }
    }

    /// Moves past the rest of the current line (trailing comment or text not understood).
    mutating func skipToNextLine() {
        while let c = current, c != UInt8(ascii: "\n") { advance() }
        if !atEnd { advance() }
    }

    // MARK: Headers and keys

    mutating func header(_ found: (String, Int) -> Void) {
        let headerLine = line
        advance()                                   // [
        let isArray = current == UInt8(ascii: "[")
        if isArray { advance() }
        skipSpaces()
        guard let keys = dottedKey(), !keys.isEmpty else { return }
        var path = ""
        for (i, key) in keys.enumerated() {
            path = ConfigPath.child(path, key)
            let isLast = i == keys.count - 1
            if isLast && isArray {
                found(path, headerLine)             // "reader": where the array first appears
                let n = (arrayCounts[path] ?? 0) + 1
                arrayCounts[path] = n
                path = ConfigPath.element(path, n)
            } else if let n = arrayCounts[path] {
                path = ConfigPath.element(path, n)  // [reader.x] belongs to the latest [[reader]]
            }
        }
        prefix = path
        found(path, headerLine)
    }

    mutating func keyValue(_ found: (String, Int) -> Void) {
        let keyLine = line
        guard let keys = dottedKey(), !keys.isEmpty else { return }
        skipSpaces()
        guard current == UInt8(ascii: "=") else { return }
        advance()
        var path = prefix
        for key in keys {
            path = ConfigPath.child(path, key)
            found(path, keyLine)
        }
        skipSpaces()
        skipValue()
    }

    /// Reads `a.b."c d"` up to (not including) `=` or `]`. Nil when it is not a key.
    mutating func dottedKey() -> [String]? {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let key = simpleKey() else { return nil }
            keys.append(key)
            skipSpaces()
            if current == UInt8(ascii: ".") {
                advance()
            } else {
                return keys
            }
        }
    }

    mutating func simpleKey() -> String? {
        guard let c = current else { return nil }
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
            let start = pos
            advance()
            var raw: [UInt8] = []
            while let d = current, d != c, d != UInt8(ascii: "\n") {
                if c == UInt8(ascii: "\""), d == UInt8(ascii: "\\"), let e = peek(1) {
                    // Only the escapes that matter for telling keys apart; others stay as written.
                    if e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") {
                        raw.append(e)
                        advance(); advance()
                        continue
                    }
                }
                raw.append(d)
                advance()
            }
            guard current == c else { pos = start; return nil }
            advance()
            return String(decoding: raw, as: UTF8.self)
        }
        let start = pos
        while let d = current, Self.isBareKeyByte(d) { advance() }
        return pos > start ? String(decoding: bytes[start..<pos], as: UTF8.self) : nil
    }

    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: Values

    /// Skips one value, however many lines it spans.
    mutating func skipValue() {
        guard let c = current else { return }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            skipString(quote: c)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            skipBracketed()
        default:
            while let d = current, !Self.endsScalar(d) { advance() }
        }
    }

    static func endsScalar(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "\n") || c == UInt8(ascii: "#") || c == UInt8(ascii: ",")
            || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")
    }

    mutating func skipString(quote q: UInt8) {
        let multiLine = peek(1) == q && peek(2) == q
        let escapes = q == UInt8(ascii: "\"")
        if multiLine {
            advance(); advance(); advance()
            while let c = current {
                if escapes && c == UInt8(ascii: "\\") {
                    advance()
                    if !atEnd { advance() }
                } else if c == q && peek(1) == q && peek(2) == q {
                    advance(); advance(); advance()
                    // Up to two more quotes right before the closing three belong to the string.
                    if current == q { advance() }
                    if current == q { advance() }
                    return
                } else {
                    advance()
                }
            }
        } else {
            advance()
            while let c = current, c != UInt8(ascii: "\n") {
                if escapes && c == UInt8(ascii: "\\") {
                    advance()
                    if let d = current, d != UInt8(ascii: "\n") { advance() }
                } else {
                    advance()
                    if c == q { return }
                }
            }
        }
    }

    /// Skips an array or inline table, with whatever strings and comments it holds.
    mutating func skipBracketed() {
        var depth = 0
        while let c = current {
            switch c {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                advance()
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                advance()
                if depth == 0 { return }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(quote: c)
            case UInt8(ascii: "#"):
                skipComment()
            default:
                advance()
            }
        }
    }
}
