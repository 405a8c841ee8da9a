import WelkomCore

/// The export format of `welkom audit export --format jsonl`: one JSON object per entry, keys in
/// a fixed order (seq, time, kind, customer, scheme, till, prompt, detail, hash), time in
/// RFC 3339 UTC with milliseconds, absent values as null.
///
/// Written by hand because the key order is part of the contract and JSONEncoder only offers
/// alphabetical or unspecified order.
public enum LedgerJSONLine {
    /// One line, without the trailing newline.
    public static func encode(_ entry: LedgerEntry) -> String {
        encode(seq: entry.seq, timeMilliseconds: LedgerTime.milliseconds(entry.time), kind: entry.kind.rawValue,
               customer: entry.customer, scheme: entry.scheme?.rawValue, till: entry.till,
               prompt: entry.prompt, detail: entry.detail, hash: entry.hash)
    }

    static func encode(seq: Int64, timeMilliseconds: Int64, kind: String, customer: String?, scheme: String?,
                       till: String?, prompt: String?, detail: String?, hash: String) -> String {
        var s = "{\"seq\":\(seq),\"time\":"
        s += quoted(LedgerTime.rfc3339(milliseconds: timeMilliseconds))
        s += ",\"kind\":" + quoted(kind)
        s += ",\"customer\":" + optional(customer)
        s += ",\"scheme\":" + optional(scheme)
        s += ",\"till\":" + optional(till)
        s += ",\"prompt\":" + optional(prompt)
        s += ",\"detail\":" + optional(detail)
        s += ",\"hash\":" + quoted(hash)
        s += "}"
        return s
    }

    private static func optional(_ value: String?) -> String {
        value.map(quoted) ?? "null"
    }

    static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}
