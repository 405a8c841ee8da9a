/// JSON string literals for the JSON lines Welkom writes by hand (ledger export, logs, CLI
/// output), where the key order is part of the contract (docs/contract.md) and JSONEncoder would not keep it.
public enum JSONText {
    /// A JSON string literal (RFC 8259 §7): escapes quote, backslash and control characters.
    public static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    /// `null` for nil, else the quoted string.
    public static func quoted(_ value: String?) -> String {
        value.map { quoted($0) } ?? "null"
    }
}
