/// One JSON object written key by key, in the order the keys are added: for the JSON lines whose
/// key order docs/contract.md fixes (replay, consent list), which JSONEncoder does not keep on Linux.
/// Strings go through JSONText.quoted; nil is null.
public struct JSONObjectWriter {
    private var text = "{"

    public init() {}

    private mutating func key(_ key: String) {
        if text.utf8.count > 1 { text += "," }
        text += JSONText.quoted(key) + ":"
    }

    public mutating func add(_ name: String, _ value: String?) {
        key(name)
        text += JSONText.quoted(value)
    }

    public mutating func add(_ name: String, _ value: Int?) {
        key(name)
        text += value.map(String.init) ?? "null"
    }

    public mutating func add(_ name: String, _ value: Bool) {
        key(name)
        text += value ? "true" : "false"
    }

    public mutating func add(_ name: String, _ values: [String]) {
        key(name)
        text += "[" + values.map { JSONText.quoted($0) }.joined(separator: ",") + "]"
    }

    /// The object, closed.
    public var line: String { text + "}" }
}
