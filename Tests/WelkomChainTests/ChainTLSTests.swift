import Foundation
import XCTest
@testable import WelkomChain

/// TLS to the chain database, against a cluster serving a certificate from a throw-away CA
/// (pg-cluster.sh --ssl; the certificate names only DNS:localhost): each sslmode does what
/// docs/chain.md says, and a certificate that is not to be trusted is refused, saying why.
final class ChainTLSTests: XCTestCase {
    nonisolated(unsafe) static var cluster: PostgresCluster?
    /// Why the cluster did not start: every test then fails saying so (a rig that cannot start
    /// fails loudly, never skips).
    nonisolated(unsafe) static var startFailure: String?

    struct ClusterNotStarted: Error, CustomStringConvertible {
        var description: String
    }

    override class func setUp() {
        do { cluster = try PostgresCluster(ssl: true) } catch { startFailure = "\(error)" }
    }

    override class func tearDown() {
        cluster?.remove()
    }

    private func url(host: String = "127.0.0.1", _ query: String) throws -> ChainURL {
        guard let cluster = Self.cluster else {
            throw ClusterNotStarted(description: "pg-cluster.sh start --ssl failed: \(Self.startFailure ?? "unknown")")
        }
        var u = try ChainURL(cluster.adminURL.withPassword.replacingOccurrences(of: "?sslmode=disable", with: "") + "?" + query)
        u.host = host
        return u
    }

    private var ca: String { Self.cluster?.tlsFile("ca.crt") ?? "" }
    private var otherCA: String { Self.cluster?.tlsFile("other-ca.crt") ?? "" }

    /// Connects, and returns whether the server says the session is encrypted.
    private func encrypted(_ url: ChainURL) async throws -> Bool {
        let db = try await ChainDatabase.connect(url)
        do {
            let ssl = try await db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "tls").first?.decode(Bool.self)
            await db.close()
            return ssl == true
        } catch {
            await db.close()
            throw error
        }
    }

    private func refusal(_ url: ChainURL, file: StaticString = #filePath, line: UInt = #line) async -> String {
        do {
            let db = try await ChainDatabase.connect(url)
            await db.close()
            XCTFail("connected with \(url.tlsSummary)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testTheClusterStarts() throws {
        XCTAssertNotNil(Self.cluster, "pg-cluster.sh start --ssl failed (openssl or PostgreSQL missing?): \(Self.startFailure ?? "")")
    }

    func testRequireEncryptsWithoutCheckingTheCertificate() async throws {
        let ok = try await encrypted(try url("sslmode=require"))
        XCTAssertTrue(ok)
        // prefer takes TLS when the server offers it; disable does not.
        let preferred = try await encrypted(try url("sslmode=prefer"))
        XCTAssertTrue(preferred)
        let plain = try await encrypted(try url("sslmode=disable"))
        XCTAssertFalse(plain)
    }

    func testVerifyFullWithTheChainsCA() async throws {
        let ok = try await encrypted(try url(host: "localhost", "sslmode=verify-full&sslrootcert=\(ca)"))
        XCTAssertTrue(ok)
        // require with a root certificate checks the chain (not the name), as libpq does.
        let required = try await encrypted(try url("sslmode=require&sslrootcert=\(ca)"))
        XCTAssertTrue(required)
    }

    func testVerifyFullRefusesAnotherCA() async throws {
        for query in ["sslmode=verify-full&sslrootcert=\(otherCA)", "sslmode=verify-ca&sslrootcert=\(otherCA)",
                      "sslmode=require&sslrootcert=\(otherCA)", "sslmode=verify-full"] {
            let reason = await refusal(try url(host: "localhost", query))
            XCTAssertTrue(reason.contains("the server's certificate is not signed by a trusted CA"), "\(query): \(reason)")
            XCTAssertTrue(reason.contains("sslmode="), "\(query): \(reason)")
            XCTAssertTrue(reason.contains(query.contains("sslrootcert") ? "is \(otherCA) the CA that signed"
                                          : "give the chain's CA certificate as sslrootcert=FILE"), "\(query): \(reason)")
            XCTAssertFalse(reason.contains(Self.cluster?.adminURL.password ?? "-"), reason)
        }
    }

    func testVerifyFullChecksTheName() async throws {
        // The certificate names localhost only: reached as 127.0.0.1, the chain holds (verify-ca)
        // but the name does not (verify-full).
        let chained = try await encrypted(try url("sslmode=verify-ca&sslrootcert=\(ca)"))
        XCTAssertTrue(chained)
        let reason = await refusal(try url("sslmode=verify-full&sslrootcert=\(ca)"))
        XCTAssertTrue(reason.contains("does not name 127.0.0.1"), reason)
    }

    func testAMissingCAFileIsAnURLError() throws {
        let u = try url("sslmode=verify-full&sslrootcert=/nonexistent/ca.crt")
        XCTAssertThrowsError(try u.checkTLSFiles()) { error in
            XCTAssertTrue("\(error)".contains("sslrootcert /nonexistent/ca.crt"), "\(error)")
        }
    }
}

/// A server without TLS (the default test cluster): require and the verify modes refuse it, saying
/// so; prefer falls back to plain.
final class ChainPlainServerTLSTests: ChainTestCase {
    func testRequireRefusesAServerWithoutTLS() async throws {
        for mode in ["require", "verify-full"] {
            let url = try ChainURL(cluster.adminURL.withPassword.replacingOccurrences(of: "sslmode=disable", with: "sslmode=\(mode)"))
            do {
                let db = try await ChainDatabase.connect(url)
                await db.close()
                XCTFail("\(mode) connected without TLS")
            } catch {
                XCTAssertTrue("\(error)".contains("the server does not offer TLS, and sslmode=\(mode)"), "\(error)")
            }
        }
        let prefer = try ChainURL(cluster.adminURL.withPassword.replacingOccurrences(of: "?sslmode=disable", with: ""))
        let db = try await connect(prefer)
        let ssl = try await db.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "t").first?.decode(Bool.self)
        XCTAssertEqual(ssl, false)
    }
}
