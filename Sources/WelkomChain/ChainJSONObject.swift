import WelkomCore

/// JSONObjectWriter's key-ordered writing, plus values that are JSON already (a receipt, a nested
/// object, a list of entries): the chain's access-request package nests them as they were stored.
struct ChainJSONObject {
    private var text = "{"

    private mutating func key(_ key: String) {
        if text.utf8.count > 1 { text += "," }
        text += JSONText.quoted(key) + ":"
    }

    mutating func add(_ name: String, _ value: String?) { key(name); text += JSONText.quoted(value) }
    mutating func add(_ name: String, _ value: Int?) { key(name); text += value.map(String.init) ?? "null" }
    mutating func add(_ name: String, _ value: Bool) { key(name); text += value ? "true" : "false" }
    mutating func add(_ name: String, _ values: [String]) {
        key(name)
        text += "[" + values.map { JSONText.quoted($0) }.joined(separator: ",") + "]"
    }
    /// `json` must be one JSON value already (it is written as it is).
    mutating func addRaw(_ name: String, _ json: String) { key(name); text += json }

    var object: String { text + "}" }
}
