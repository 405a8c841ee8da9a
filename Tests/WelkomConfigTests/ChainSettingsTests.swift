import XCTest
@testable import WelkomConfig

/// `[chain]`: off unless set, complete when on, and every mistake on its line.
final class ChainSettingsTests: XCTestCase {
    let url = "postgres://welkom_store_delft:secret@db.example:5432/welkom?sslmode=require"

    func testOffByDefaultAndNotRendered() throws {
        XCTAssertFalse(WelkomConfig.defaults.chain.enabled)
        XCTAssertFalse(WelkomConfig.defaults.rendered().contains("[chain]"))
    }

    func testAStoreInChainModeRendersAndParsesBack() throws {
        let config = try WelkomConfig.parse("""
            [chain]
            postgres = "\(url)"
            store = "delft"
            key_file = "/etc/welkom/chain.key"
            """, file: "w.toml")
        XCTAssertEqual(config.chain, ChainSettings(postgres: url, store: "delft", keyFile: "/etc/welkom/chain.key"))
        XCTAssertTrue(config.chain.enabled)
        XCTAssertEqual(try WelkomConfig.parse(config.rendered(), file: "<rendered>"), config)
    }

    func testMistakesAreNamedOnTheirLines() {
        XCTAssertEqual(issueLines("""
            [chain]
            postgres = "mysql://db/welkom"
            store = "Den Haag"
            key_file = "chain.key"
            password = "x"
            """), [
            "w.toml:2: chain.postgres: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE (as `welkom chain store add` prints it), or \"\" for no chain",
            "w.toml:3: chain.store: expected 1–40 lowercase letters, digits, '-' or '_', found \"Den Haag\"",
            "w.toml:4: chain.key_file: expected an absolute path, found \"chain.key\"",
            "w.toml:5: chain.password: unknown key (known here: postgres, store, key_file)",
        ])
    }

    func testChainModeNeedsAStoreAndAKey() {
        let lines = issueLines("[chain]\npostgres = \"\(url)\"\n")
        XCTAssertEqual(lines, [
            "w.toml:2: chain.postgres: chain mode needs store = \"ID\" in [chain] too",
            "w.toml:2: chain.postgres: chain mode needs key_file = \"/PATH\" in [chain] too",
        ])
    }
}

extension ChainSettingsTests {
    /// The shipped file writes every key with "": that is "not set", and chain mode then needs them.
    func testEmptyValuesAreUnset() throws {
        let config = try WelkomConfig.parse("[chain]\npostgres = \"\"\nstore = \"\"\nkey_file = \"\"\n", file: "w.toml")
        XCTAssertEqual(config.chain, ChainSettings())
        XCTAssertEqual(issueLines("[chain]\npostgres = \"\(url)\"\nstore = \"\"\nkey_file = \"\"\n"), [
            "w.toml:2: chain.postgres: chain mode needs store = \"ID\" in [chain] too",
            "w.toml:2: chain.postgres: chain mode needs key_file = \"/PATH\" in [chain] too",
        ])
    }
}
