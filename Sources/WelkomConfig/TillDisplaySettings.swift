/// `[till_display]`: where the till display pages are served.
public struct TillDisplaySettings: Sendable, Equatable {
    /// The host part of `listen`: an address or name to bind, without brackets for IPv6.
    public var host: String
    /// The port part of `listen`, 1…65535.
    public var port: Int
    /// `tls_certificate`, `tls_key`: PEM files; when both are set the pages are served over
    /// HTTPS (the pairing token then never crosses the shop LAN in the clear). "" = plain HTTP.
    public var tlsCertificate: String
    public var tlsKey: String
    /// `hosts`: the names browsers may use for the pages (the `Host` header), besides any IP
    /// address and, on loopback, `localhost`. Anything else is refused, so a DNS-rebinding page
    /// cannot reach the agent through a name of its own. Default none.
    public var hosts: [String]
    /// `token_lifetime`: how long a paired display's token lasts without the page renewing it,
    /// in seconds (written as "90d", "12h", "30m" or "45s"). Default 90 days.
    public var tokenLifetime: Int
    /// `max_connections`: open connections at once, all clients together. Default 512.
    public var maxConnections: Int
    /// `max_connections_per_client`: open connections at once from one address. Default 32.
    public var maxConnectionsPerClient: Int
    /// `header_timeout_seconds`: how long a connection may take to send a complete request head
    /// (from connecting, or from the end of the previous answer). Default 10.
    public var headerTimeoutSeconds: Int
    /// `idle_timeout_seconds`: a connection with nothing moving for this long is closed (event
    /// streams excepted: their heartbeats keep them moving). Default 60.
    public var idleTimeoutSeconds: Int
    /// `do_not_ask_lifetime`: how long a "do not ask" marker, set at the desk when a customer
    /// declines and asks not to be asked again, lasts (written as `token_lifetime` is). Default 365 days.
    public var doNotAskLifetime: Int = TillDisplaySettings.defaultDoNotAskLifetime

    public static let defaultTokenLifetime = 90 * 86_400
    public static let defaultDoNotAskLifetime = 365 * 86_400

    public init(host: String = "127.0.0.1", port: Int = 8080, tlsCertificate: String = "", tlsKey: String = "",
                hosts: [String] = [], tokenLifetime: Int = TillDisplaySettings.defaultTokenLifetime,
                maxConnections: Int = 512, maxConnectionsPerClient: Int = 32,
                headerTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 60) {
        self.host = host
        self.port = port
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.hosts = hosts
        self.tokenLifetime = tokenLifetime
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
    }

    /// Whether `host` is a loopback address (or `localhost`): nothing on the LAN can reach it.
    public var listensOnLoopbackOnly: Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// `90d`, `12h`, `30m`, `45s` → seconds; nil for anything else.
    static func parseLifetime(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0,
              text.dropLast().allSatisfy(\.isASCIIDigit) else { return nil }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        default: return nil
        }
        let (seconds, overflow) = number.multipliedReportingOverflow(by: scale)
        return overflow || seconds > 3650 * 86_400 ? nil : seconds
    }

    /// Seconds written back in the largest unit that divides them.
    static func renderLifetime(_ seconds: Int) -> String {
        for (unit, scale) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds % scale == 0 {
            return "\(seconds / scale)\(unit)"
        }
        return "\(seconds)s"
    }

    /// Whether the pages are served over HTTPS.
    public var usesTLS: Bool { !tlsCertificate.isEmpty && !tlsKey.isEmpty }

    /// `listen` as written in the config: `HOST:PORT`, or `[V6]:PORT` for an IPv6 address.
    public var listen: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Splits `HOST:PORT` / `[V6]:PORT`; the error says what is wrong with it.
    static func parseListen(_ text: String) -> Result<TillDisplaySettings, ListenProblem> {
        let example = "expected HOST:PORT (such as \"127.0.0.1:8080\" or \"[::1]:8080\"), found \(TOMLWriter.quoted(text))"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":")
            else { return .failure(ListenProblem(message: example)) }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                return .failure(ListenProblem(message: example))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit) else {
            return .failure(ListenProblem(message: example))
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(ListenProblem(message: "port must be between 1 and 65535, found \(portText)"))
        }
        return .success(TillDisplaySettings(host: String(host), port: port))
    }

    struct ListenProblem: Error {
        var message: String
    }
}

extension TillDisplaySettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.string("listen") {
            switch Self.parseListen(v) {
            case .success(let parsed): (host, port) = (parsed.host, parsed.port)
            case .failure(let problem): s.report("listen", problem.message)
            }
        }
        let certificate = s.string("tls_certificate") ?? ""
        let key = s.string("tls_key") ?? ""
        for (name, value) in [("tls_certificate", certificate), ("tls_key", key)] where !value.isEmpty && !value.hasPrefix("/") {
            s.report(name, "expected an absolute path to a PEM file, found \(TOMLWriter.quoted(value))")
        }
        if certificate.isEmpty != key.isEmpty {
            s.report(certificate.isEmpty ? "tls_certificate" : "tls_key",
                     "tls_certificate and tls_key go together: set both for HTTPS, or neither for plain HTTP")
        } else if certificate.hasPrefix("/") && key.hasPrefix("/") {
            (tlsCertificate, tlsKey) = (certificate, key)
        }
        if let names = s.strings("hosts") {
            for name in names {
                // A Host header holds a name and maybe a port: no scheme, path, space or colon.
                if name.isEmpty || name.count > 253 || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) {
                    s.report("hosts", "expected host names such as \"kassa.winkel.lan\" (letters, digits, dots and dashes; no scheme or port), found \(TOMLWriter.quoted(name))")
                } else {
                    hosts.append(name.lowercased())
                }
            }
        }
        if let v = s.string("token_lifetime") {
            if let seconds = Self.parseLifetime(v) {
                tokenLifetime = seconds
            } else {
                s.report("token_lifetime", "expected a duration such as \"90d\", \"12h\", \"30m\" or \"45s\" (at most 3650d), found \(TOMLWriter.quoted(v))")
            }
        }
        if let v = s.integer("max_connections", in: 1...100_000) { maxConnections = v }
        if let v = s.integer("max_connections_per_client", in: 1...100_000) { maxConnectionsPerClient = v }
        if let v = s.integer("header_timeout_seconds", in: 1...3600) { headerTimeoutSeconds = v }
        if let v = s.integer("idle_timeout_seconds", in: 1...86_400) { idleTimeoutSeconds = v }
        if let v = s.string("do_not_ask_lifetime") {
            if let seconds = Self.parseLifetime(v) {
                doNotAskLifetime = seconds
            } else {
                s.report("do_not_ask_lifetime", "expected a duration such as \"365d\", \"12h\", \"30m\" or \"45s\" (at most 3650d), found \(TOMLWriter.quoted(v))")
            }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("till_display")
        w.key("listen", listen)
        w.key("tls_certificate", tlsCertificate)
        w.key("tls_key", tlsKey)
        w.key("hosts", hosts)
        w.key("token_lifetime", Self.renderLifetime(tokenLifetime))
        w.key("max_connections", maxConnections)
        w.key("max_connections_per_client", maxConnectionsPerClient)
        w.key("header_timeout_seconds", headerTimeoutSeconds)
        w.key("idle_timeout_seconds", idleTimeoutSeconds)
        w.key("do_not_ask_lifetime", Self.renderLifetime(doNotAskLifetime))
    }
}
