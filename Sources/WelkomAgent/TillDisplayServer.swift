import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import WelkomConfig

/// How the till pages are served: plain HTTP/1.1, or HTTPS when `[till_display]` names a
/// certificate and key (PEM). With HTTPS the pairing cookie is `Secure` and the token never
/// crosses the shop LAN in the clear.
enum TillDisplayServer {
    static func builder(_ settings: TillDisplaySettings) throws -> HTTPServerBuilder {
        guard settings.usesTLS else { return .http1() }
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
        do {
            return try .tls(.http1(), tlsConfiguration: tls)
        } catch {
            throw AgentError.tls(reason: "the certificate and key do not make a TLS configuration (\(error))")
        }
    }
}
