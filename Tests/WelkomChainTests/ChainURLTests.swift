import XCTest
@testable import WelkomChain

/// `--postgres` and `[chain] postgres`: parsed once, and the password never printed but where asked.
final class ChainURLTests: XCTestCase {
    func testParsesAndHidesThePassword() throws {
        let u = try ChainURL("postgres://welkom_store_delft:s%40cret@db.example:6543/chain?sslmode=require")
        XCTAssertEqual(u.user, "welkom_store_delft")
        XCTAssertEqual(u.password, "s@cret")
        XCTAssertEqual(u.host, "db.example")
        XCTAssertEqual(u.port, 6543)
        XCTAssertEqual(u.database, "chain")
        XCTAssertEqual(u.tls, .require)
        XCTAssertFalse(u.description.contains("cret"))
        XCTAssertEqual(try ChainURL(u.withPassword), u)
    }

    func testDefaults() throws {
        let u = try ChainURL("postgresql://admin@localhost")
        XCTAssertEqual(u.port, 5432)
        XCTAssertEqual(u.database, "admin")
        XCTAssertEqual(u.tls, .prefer)
        XCTAssertNil(u.password)
    }

    func testRefusals() {
        for bad in ["mysql://u@h/db", "postgres:///db", "postgres://h/db", "postgres://u@h/db?sslmode=verify",
                    "postgres://u@h/db?application_name=x", "not a url"] {
            XCTAssertThrowsError(try ChainURL(bad), bad)
        }
    }

    func testStoreIDs() {
        XCTAssertTrue(ChainStores.isValid("den-haag_2"))
        for bad in ["", "Delft", "den haag", "a\"b", String(repeating: "a", count: 41), "x;drop"] {
            XCTAssertFalse(ChainStores.isValid(bad), bad)
        }
    }
}

/// sslmode and sslrootcert as libpq reads them.
final class ChainURLTLSTests: XCTestCase {
    func testModesAndRootCertificate() throws {
        let u = try ChainURL("postgres://s:p@db.example/chain?sslmode=verify-full&sslrootcert=/etc/welkom/chain-ca.crt")
        XCTAssertEqual(u.tls, .verifyFull)
        XCTAssertEqual(u.rootCertificate, "/etc/welkom/chain-ca.crt")
        XCTAssertEqual(try ChainURL(u.withPassword), u, "the store login printed by chain store add keeps both")
        XCTAssertEqual(try ChainURL("postgres://s@h/d?sslmode=verify-ca").tls, .verifyCA)
        XCTAssertNil(try ChainURL("postgres://s@h/d?sslmode=verify-full&sslrootcert=system").rootCertificate)
        XCTAssertTrue(u.tlsSummary.contains("/etc/welkom/chain-ca.crt") && u.tlsSummary.contains("db.example"))
    }

    func testTLSRefusals() {
        for bad in ["postgres://u@h/db?sslmode=allow", "postgres://u@h/db?sslmode=prefer&sslrootcert=/x",
                    "postgres://u@h/db?sslrootcert=/x", "postgres://u@h/db?sslmode=require&sslrootcert=",
                    "postgres://u@h/db?sslcert=/x"] {
            XCTAssertThrowsError(try ChainURL(bad), bad)
        }
    }
}
