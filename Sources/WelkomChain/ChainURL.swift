import Foundation
import PostgresNIO

/// `--postgres URL` / `[chain] postgres`: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=FILE].
///
/// sslmode as libpq reads it: disable; prefer (the default: encrypted when the server offers it,
/// the certificate not checked); require (always encrypted, the certificate not checked, unless
/// sslrootcert is given, then as verify-ca); verify-ca (the certificate must chain to a trusted
/// CA); verify-full (that, and it must name HOST — a DNS name, or an IP address as an IP SAN).
/// The trusted CAs are sslrootcert's (a PEM file of one or more certificates) or, without it or
/// with sslrootcert=system, the system's trust store — libpq's default is ~/.postgresql/root.crt,
/// which a service has no use for.
public struct ChainURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// sslrootcert: the PEM file of the CAs to trust; nil for the system's trust store.
    public var rootCertificate: String?

    public init(_ text: String) throws {
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw ChainError.url("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = c.host, !host.isEmpty else { throw ChainError.url("no host in the URL") }
        guard let user = c.user, !user.isEmpty else { throw ChainError.url("no user in the URL") }
        self.host = host
        port = c.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        password = c.password.map { $0.removingPercentEncoding ?? $0 }
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? self.user : path
        tls = .prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw ChainError.url("sslmode must be " + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
                tls = mode
            case "sslrootcert":
                guard let file = item.value, !file.isEmpty else { throw ChainError.url("sslrootcert: give a PEM file of CA certificates, or system") }
                rootCertificate = file == "system" ? nil : file
            default:
                throw ChainError.url("unknown parameter \"\(item.name)\" (only sslmode and sslrootcert)")
            }
        }
        if rootCertificate != nil && [.disable, .prefer].contains(tls) {
            throw ChainError.url("sslrootcert is only used with sslmode=require, verify-ca or verify-full (not \(tls.rawValue))")
        }
    }

    /// The same server and database with another login (a store's).
    public func with(user: String, password: String) -> ChainURL {
        var u = self
        u.user = user
        u.password = password
        return u
    }

    /// The URL with its password, for the one place that prints it (`chain store add`).
    public var withPassword: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.host = host
        c.port = port
        c.user = user
        c.password = password
        c.path = "/" + database
        var items: [URLQueryItem] = []
        if tls != .prefer { items.append(URLQueryItem(name: "sslmode", value: tls.rawValue)) }
        if let rootCertificate { items.append(URLQueryItem(name: "sslrootcert", value: rootCertificate)) }
        if !items.isEmpty { c.queryItems = items }
        return c.string ?? ""
    }

    /// Never the password: for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// What is checked of the server's certificate, in words, for messages.
    public var tlsSummary: String {
        switch tls {
        case .disable: "sslmode=disable (no TLS)"
        case .prefer: "sslmode=prefer (TLS if offered, certificate not checked)"
        case .require where rootCertificate == nil: "sslmode=require (TLS, certificate not checked)"
        case .require, .verifyCA, .verifyFull:
            "sslmode=\(tls.rawValue) (certificate checked against " + (rootCertificate ?? "the system's trust store")
                + (tls == .verifyFull ? ", and that it names \(host))" : ")")
        }
    }

    /// Loads what the URL names (sslrootcert) without connecting: the agent checks this at start,
    /// so a missing CA file is a config error, not an unreachable database retried for ever.
    public func checkTLSFiles() throws {
        _ = try configuration()
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let tlsConfig: PostgresConnection.Configuration.TLS
        if tls == .disable {
            tlsConfig = .disable
        } else {
            var client = TLSConfiguration.makeClientConfiguration()
            switch tls {
            case .disable, .prefer: client.certificateVerification = .none
            case .require: client.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
            case .verifyCA: client.certificateVerification = .noHostnameVerification
            case .verifyFull: client.certificateVerification = .fullVerification
            }
            if let rootCertificate {
                let roots: [NIOSSLCertificate]
                do { roots = try NIOSSLCertificate.fromPEMFile(rootCertificate) } catch {
                    throw ChainError.url("sslrootcert \(rootCertificate): not a readable PEM file of CA certificates (\(error))")
                }
                guard !roots.isEmpty else { throw ChainError.url("sslrootcert \(rootCertificate): holds no certificate") }
                client.trustRoots = .certificates(roots)
            }
            let context: NIOSSLContext
            do { context = try NIOSSLContext(configuration: client) } catch {
                throw ChainError.url("TLS settings (\(tlsSummary)): \(error)")
            }
            tlsConfig = tls == .prefer ? .prefer(context) : .require(context)
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                      database: database, tls: tlsConfig)
        config.options.connectTimeout = .seconds(5)
        return config
    }
}
