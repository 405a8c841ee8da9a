import Foundation
import PostgresNIO

/// `--postgres URL` / `[chain] postgres`: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…].
/// sslmode is disable, prefer or require (require also checks the server's certificate against the
/// system's trust store); the default is prefer, as libpq's.
public struct ChainURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

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
            guard item.name == "sslmode" else { throw ChainError.url("unknown parameter \"\(item.name)\" (only sslmode)") }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw ChainError.url("sslmode must be disable, prefer or require")
            }
            tls = mode
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
        if tls != .prefer { c.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)] }
        return c.string ?? ""
    }

    /// Never the password: for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    func configuration() throws -> PostgresConnection.Configuration {
        let tlsConfig: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: tlsConfig = .disable
        case .prefer, .require:
            var client = TLSConfiguration.makeClientConfiguration()
            if tls == .prefer { client.certificateVerification = .none }
            let context = try NIOSSLContext(configuration: client)
            tlsConfig = tls == .prefer ? .prefer(context) : .require(context)
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                      database: database, tls: tlsConfig)
        config.options.connectTimeout = .seconds(5)
        return config
    }
}
