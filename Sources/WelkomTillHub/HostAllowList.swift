/// Which `Host` headers the till pages answer: the configured names, any IP address, and
/// `localhost` when the agent listens on loopback. A DNS-rebinding attack needs a name of the
/// attacker's own that resolves to the gateway; the browser sends that name as `Host`, and it
/// is refused here (421). An IP literal cannot be rebound, so every address is allowed: the
/// pages stay reachable at the gateway's LAN address with no name configured.
public struct HostAllowList: Sendable, Equatable {
    /// Lower-cased names, without ports.
    public let names: Set<String>

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// No Host header at all (or an empty one): 400.
        case missing
        /// A name not on the list: 421.
        case refused
    }

    /// - Parameters:
    ///   - configured: `[till_display] hosts`.
    ///   - listenHost: the address the pages listen on; a name there is allowed too.
    ///   - loopback: the agent listens on loopback only, so `localhost` is how it is reached.
    public init(configured: [String], listenHost: String, loopback: Bool) {
        var names = Set(configured.map { $0.lowercased() })
        if !listenHost.isEmpty { names.insert(listenHost.lowercased()) }
        if loopback { names.insert("localhost") }
        self.names = names
    }

    public func check(_ host: String?) -> Verdict {
        guard let host, !host.isEmpty else { return .missing }
        guard let name = Self.hostName(host) else { return .refused }
        if Self.isIPLiteral(name) || names.contains(name) { return .allowed }
        // A fully qualified name may end with a dot.
        if name.hasSuffix("."), names.contains(String(name.dropLast())) { return .allowed }
        return .refused
    }

    /// The name of a Host header without its port, lower-cased; brackets of an IPv6 literal kept
    /// off. Nil when it cannot be a host (spaces, a path, an empty name, a bad port).
    static func hostName(_ header: String) -> String? {
        guard header.utf8.count <= 300 else { return nil }
        let text = header.lowercased()
        var name: Substring
        var rest: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            name = text[text.index(after: text.startIndex)..<close]
            rest = text[text.index(after: close)...]
            guard name.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), name.contains(":") else { return nil }
        } else if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            rest = text[colon...]
        } else {
            name = text[...]
            rest = ""
        }
        if !rest.isEmpty {
            guard rest.hasPrefix(":") else { return nil }
            let port = rest.dropFirst()
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        }
        guard !name.isEmpty,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") })
        else { return nil }
        return String(name)
    }

    /// A dotted-quad IPv4 address or an IPv6 address (already taken out of its brackets).
    static func isIPLiteral(_ name: String) -> Bool {
        if name.contains(":") { return name.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
        }
    }
}
