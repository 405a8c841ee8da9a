/// Writes the effective config as TOML for `welkom config check`.
///
/// Written by hand rather than with TOMLKit's `convert()`: that writer sorts keys
/// alphabetically and drops the section order, so its output would not read like
/// config/welkom.toml; here the sections and keys come out in the order the docs use.
struct TOMLWriter {
    private(set) var text = ""

    mutating func comment(_ line: String) {
        text += "# \(line)\n"
    }

    mutating func blankLine() {
        text += "\n"
    }

    mutating func table(_ name: String) {
        if !text.isEmpty && !text.hasSuffix("\n\n") { text += "\n" }
        text += "[\(name)]\n"
    }

    mutating func arrayTable(_ name: String) {
        if !text.isEmpty && !text.hasSuffix("\n\n") { text += "\n" }
        text += "[[\(name)]]\n"
    }

    mutating func key(_ key: String, _ value: String) {
        text += "\(key) = \(Self.quoted(value))\n"
    }

    mutating func key(_ key: String, _ values: [String]) {
        text += "\(key) = [\(values.map(Self.quoted).joined(separator: ", "))]\n"
    }

    mutating func key(_ key: String, _ value: Bool) {
        text += "\(key) = \(value)\n"
    }

    mutating func key(_ key: String, _ value: Int) {
        text += "\(key) = \(value)\n"
    }

    /// An integer written as TOML hex, e.g. 0xFFFF.
    mutating func key(_ key: String, hex value: Int, digits: Int) {
        text += "\(key) = 0x\(String(value, radix: 16, uppercase: true).leftPadded(to: digits))\n"
    }

    mutating func key(_ key: String, _ value: Double) {
        // Swift prints the shortest form that reads back as the same Double, and every form
        // it prints (1e-05, 0.5, 100.0, inf, nan) is also a TOML float.
        text += "\(key) = \(value)\n"
    }

    /// A TOML basic string, escaped so any text reads back unchanged. Not WelkomCore.JSONText:
    /// TOML must also escape DEL (U+007F), which JSON leaves as it is.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where ch.value < 0x20 || ch.value == 0x7F:
                out += "\\u" + String(ch.value, radix: 16, uppercase: true).leftPadded(to: 4)
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
