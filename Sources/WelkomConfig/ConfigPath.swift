/// How a key is named in issues and found again by `KeyLocator`: dotted TOML keys, with
/// `[n]` (counting from 1) for the n-th table of an array of tables, e.g. `reader[2].till`.
/// Both sides build paths with these functions so that they always agree.
enum ConfigPath {
    static func child(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? quoted(key) : parent + "." + quoted(key)
    }

    static func element(_ parent: String, _ index: Int) -> String {
        parent + "[\(index)]"
    }

    /// The enclosing path: `reader[2].till` → `reader[2]` → `reader` → "".
    static func parent(_ path: String) -> String {
        guard let last = path.last else { return "" }
        if last == "]", let open = path.lastIndex(of: "[") {
            return String(path[..<open])
        }
        guard let dot = path.lastIndex(of: ".") else { return "" }
        return String(path[..<dot])
    }

    /// A key that is not a bare TOML key is shown quoted, so `"a.b"` is not read as `a` then `b`.
    static func quoted(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        if bare { return key }
        var s = "\""
        for ch in key.unicodeScalars {
            switch ch {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case _ where ch.value < 0x20 || ch.value == 0x7F:
                s += "\\u" + String(ch.value, radix: 16).leftPadded(to: 4)
            default: s.unicodeScalars.append(ch)
            }
        }
        return s + "\""
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
