import Foundation
import WelkomCore

/// The export format of `welkom audit export --format jsonl`: one JSON object per entry, keys in
/// a fixed order — seq, time, kind, customer, scheme, till, prompt, detail, hash (the leaf
/// hash), record ("kept", "erased" or "purged"), receipt (the consent receipt object of a
/// consent record, else null) and, when proofs are asked for, inclusion — time in RFC 3339 UTC
/// with milliseconds, absent values as null.
///
/// Written by hand because the key order is part of the contract (docs/contract.md) and JSONEncoder only offers
/// alphabetical or unspecified order.
public enum LedgerJSONLine {
    /// The entry's own fields as one line (without the trailing newline).
    public static func encode(_ entry: LedgerEntry) -> String {
        prefix(entry) + "}"
    }

    static func prefix(_ entry: LedgerEntry) -> String {
        var s = "{\"seq\":\(entry.seq),\"time\":"
        s += quoted(LedgerTime.rfc3339(entry.time))
        s += ",\"kind\":" + quoted(entry.kind.rawValue)
        s += ",\"customer\":" + optional(entry.customer)
        s += ",\"scheme\":" + optional(entry.scheme?.rawValue)
        s += ",\"till\":" + optional(entry.till)
        s += ",\"prompt\":" + optional(entry.prompt)
        s += ",\"detail\":" + optional(entry.detail)
        s += ",\"hash\":" + quoted(entry.hash)
        return s
    }

    /// A stored entry's line as the export prints it (without proofs).
    public static func line(_ stored: LedgerStoredEntry) -> String {
        encode(stored, proof: nil, checkpoint: nil)
    }

    static func encode(_ stored: LedgerStoredEntry, proof: [[UInt8]]?, checkpoint: LedgerCheckpoint?) -> String {
        var s = prefix(stored.entry)
        s += ",\"record\":" + quoted(stored.record.rawValue)
        // A receipt is JSON written by ConsentReceipt; anything else is printed as a string.
        if let receipt = stored.receipt {
            s += ",\"receipt\":" + (receipt.hasPrefix("{") && receipt.hasSuffix("}") ? receipt : quoted(receipt))
        } else {
            s += ",\"receipt\":null"
        }
        if let checkpoint {
            if let proof {
                s += ",\"inclusion\":{\"checkpoint\":\(checkpoint.id),\"tree_size\":\(checkpoint.treeSize),"
                    + "\"root\":\"\(Hex.encode(checkpoint.root))\",\"path\":[\(proof.map { "\"\(Hex.encode($0))\"" }.joined(separator: ","))]}"
            } else {
                s += ",\"inclusion\":null"
            }
        }
        return s + "}"
    }

    private static func optional(_ value: String?) -> String {
        value.map(quoted) ?? "null"
    }

    static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}

/// `welkom audit export --format csv`: RFC 4180, a header line, the same fields as the JSON
/// lines except the receipt and proofs.
public enum LedgerCSVLine {
    public static let header = "seq,time,kind,customer,scheme,till,prompt,detail,hash,record"

    public static func line(_ s: LedgerStoredEntry) -> String { encode(s) }

    static func encode(_ s: LedgerStoredEntry) -> String {
        let e = s.entry
        return [String(e.seq), LedgerTime.rfc3339(e.time), e.kind.rawValue, e.customer ?? "", e.scheme?.rawValue ?? "",
                e.till ?? "", e.prompt ?? "", e.detail ?? "", e.hash, s.record.rawValue].map(field).joined(separator: ",")
    }

    /// Quotes a field holding a comma, quote or line break, doubling quotes. A field starting
    /// with = + - @ gets a leading apostrophe so a spreadsheet does not run it as a formula.
    static func field(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
