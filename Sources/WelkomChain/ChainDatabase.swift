import Foundation
import Logging
import PostgresNIO

/// One connection to the chain's PostgreSQL, with the few things every caller needs: statements
/// run one by one (the extended protocol takes one per query), transactions, and errors that say
/// what the server said instead of postgres-nio's deliberately vague description.
public final class ChainDatabase: Sendable {
    public let url: ChainURL
    let connection: PostgresConnection
    let logger: Logger

    private init(url: ChainURL, connection: PostgresConnection, logger: Logger) {
        self.url = url
        self.connection = connection
        self.logger = logger
    }

    public static func connect(_ url: ChainURL, logger: Logger = Logger(label: "welkom.chain")) async throws -> ChainDatabase {
        let config = try url.configuration()
        do {
            let c = try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
            return ChainDatabase(url: url, connection: c, logger: logger)
        } catch {
            throw ChainError.unreachable(url: url.description, reason: tlsReason(error, url: url) ?? Self.reason(error))
        }
    }

    /// A TLS failure in words, with the sslmode that asked for the check (postgres-nio passes
    /// NIOSSL's errors on as they are: "handshakeFailed(sslError([…CERTIFICATE_VERIFY_FAILED…]))").
    static func tlsReason(_ error: any Error, url: ChainURL) -> String? {
        let psql = error as? PSQLError
        if psql?.code == .sslUnsupported {
            return "the server does not offer TLS, and \(url.tlsSummary) requires it (ssl = on on the server)"
        }
        let underlying = psql?.underlying ?? error
        let text = "\(underlying)"
        if underlying is NIOSSLExtraError, text.contains("hostname") || text.contains("Hostname") {
            return "TLS: the server's certificate does not name \(url.host) (\(url.tlsSummary)); connect by a name "
                + "the certificate carries, or use sslmode=verify-ca"
        }
        guard underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError else { return nil }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "TLS: the server's certificate is not signed by a trusted CA (\(url.tlsSummary)); "
                + (url.rootCertificate.map { "is \($0) the CA that signed the server's certificate?" }
                    ?? "give the chain's CA certificate as sslrootcert=FILE")
        }
        return "TLS handshake failed (\(url.tlsSummary)): \(text)"
    }

    public func close() async {
        try? await connection.close()
    }

    @discardableResult
    func query(_ q: PostgresQuery, _ operation: String) async throws -> [PostgresRow] {
        do {
            return try await connection.query(q, logger: logger).collect()
        } catch {
            throw ChainError.database(operation: operation, reason: Self.reason(error))
        }
    }

    /// DDL and other fixed text, statement by statement.
    func execute(_ statements: [String], _ operation: String) async throws {
        for sql in statements {
            try await query(PostgresQuery(unsafeSQL: sql), operation)
        }
    }

    /// BEGIN … COMMIT, rolled back when `body` throws; the body's error is rethrown as it was.
    func transaction<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        try await query("BEGIN", operation)
        do {
            let value = try await body()
            try await query("COMMIT", operation)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger).collect()
            throw error
        }
    }

    /// LISTEN on `channel` for as long as `consume` runs.
    func listen<T>(_ channel: String, _ consume: (PostgresNotificationSequence) async throws -> T) async throws -> T {
        try await connection.listen(on: channel, consume: consume)
    }

    /// The server's own message (and SQLSTATE) when there is one.
    static func reason(_ error: any Error) -> String {
        if let chain = error as? ChainError { return chain.description }
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + code
            }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    /// SQLSTATE of a server error, e.g. 42501 (insufficient privilege).
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
