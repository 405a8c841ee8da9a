import Foundation

/// An `application/x-www-form-urlencoded` body (what the desk pages send): name/value pairs in
/// order, a name may repeat (one `scope` per ticked box). Hummingbird has no form decoder that
/// keeps repeated names, and this is a split and a percent-decode.
struct FormBody: Sendable {
    var pairs: [(name: String, value: String)]

    init(_ body: String) {
        pairs = body.split(separator: "&").compactMap { part in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = kv.first.map(Self.decode), !name.isEmpty else { return nil }
            return (name, kv.count == 2 ? Self.decode(kv[1]) : "")
        }
    }

    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    private static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }
}
