import Foundation

/// An `application/x-www-form-urlencoded` body (what the desk pages send): name/value pairs in
/// order, a name may repeat (one `scope` per ticked box). Hummingbird has no form decoder that
/// keeps repeated names, and this is a split and a percent-decode.
struct FormBody: Sendable {
    /// A field whose percent-encoding does not decode (a browser never sends one): refused, not
    /// read as empty, so a garbled name or card is never stored or acted on as something else.
    struct Malformed: Error, Equatable, CustomStringConvertible {
        /// 1-based position of the field in the body.
        var field: Int
        var description: String { "form field \(field) is not valid percent-encoding" }
    }

    var pairs: [(name: String, value: String)]

    init(parsing body: String) throws(Malformed) {
        var pairs: [(name: String, value: String)] = []
        for (index, part) in body.split(separator: "&").enumerated() {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(kv[0]), let value = kv.count == 2 ? Self.decode(kv[1]) : "" else {
                throw Malformed(field: index + 1)
            }
            if !name.isEmpty { pairs.append((name, value)) }
        }
        self.pairs = pairs
    }

    func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    private static func decode(_ s: Substring) -> String? {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
