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

    public init(host: String = "127.0.0.1", port: Int = 8080, tlsCertificate: String = "", tlsKey: String = "") {
        self.host = host
        self.port = port
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
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
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("till_display")
        w.key("listen", listen)
        w.key("tls_certificate", tlsCertificate)
        w.key("tls_key", tlsKey)
    }
}
