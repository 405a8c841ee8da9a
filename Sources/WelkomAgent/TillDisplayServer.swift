import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import WelkomConfig
import WelkomTillHub

/// How the till pages are served: plain HTTP/1.1, or HTTPS when `[till_display]` names a
/// certificate and key (PEM). With HTTPS the pairing cookie is `Secure` and the token never
/// crosses the shop LAN in the clear. Either way every connection passes the gate first
/// (caps in all and per client, header and idle timeouts, see `ConnectionRules`).
enum TillDisplayServer {
    /// How long a peer may leave our writes unread before its connection is closed.
    static let writeStallTimeout: TimeAmount = .seconds(30)

    static func rules(_ settings: TillDisplaySettings) -> ConnectionRules {
        ConnectionRules(limiter: ConnectionLimiter(maxTotal: settings.maxConnections, maxPerClient: settings.maxConnectionsPerClient),
                        headerTimeout: .seconds(Int64(settings.headerTimeoutSeconds)),
                        idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)),
                        writeStallTimeout: writeStallTimeout)
    }

    static func builder(_ settings: TillDisplaySettings, rules: ConnectionRules) throws -> HTTPServerBuilder {
        let http1 = rules.http1Configuration
        guard settings.usesTLS else {
            return HTTPServerBuilder { responder in rules.gated(HTTP1Channel(responder: responder, configuration: http1)) }
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.tlsCertificate)
        } catch {
            throw AgentError.tls(reason: "till_display.tls_certificate \(settings.tlsCertificate): not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else {
            throw AgentError.tls(reason: "till_display.tls_certificate \(settings.tlsCertificate): holds no certificate")
        }
        do {
            key = try NIOSSLPrivateKey(file: settings.tlsKey, format: .pem)
        } catch {
            throw AgentError.tls(reason: "till_display.tls_key \(settings.tlsKey): not a readable PEM private key (\(error))")
        }
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                           privateKey: .privateKey(key))
        // Built once here so a bad pair fails at start, not on the first connection.
        do {
            _ = try TLSChannel(HTTP1Channel(responder: { _, _, _ in }, configuration: http1), tlsConfiguration: tls)
        } catch {
            throw AgentError.tls(reason: "the certificate and key do not make a TLS configuration (\(error))")
        }
        return HTTPServerBuilder { responder in
            rules.gated(try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: tls))
        }
    }

    /// The names the pages answer to (`Host`): the configured ones, the listen address, and
    /// localhost when that is loopback.
    static func hosts(_ settings: TillDisplaySettings) -> HostAllowList {
        HostAllowList(configured: settings.hosts, listenHost: settings.host, loopback: settings.listensOnLoopbackOnly)
    }

    /// Said at start when the pages are open to the LAN without TLS: what is at risk and the fix.
    static func plainHTTPWarning(_ settings: TillDisplaySettings) -> String? {
        TillListenerNotice.plainHTTP(listen: settings.listen, loopback: settings.listensOnLoopbackOnly, tls: settings.usesTLS)
    }
}
