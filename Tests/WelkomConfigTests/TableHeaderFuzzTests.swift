import XCTest
@testable import WelkomConfig

/// Found by Fuzz/FuzzConfig: a table header with no key (`[` then a line break) and a `}` where an
/// array expects a value (`s=[}`) made toml++ abort on an assertion (undefined behaviour in a
/// release build). Now each is a ConfigIssue with its line.
final class TableHeaderFuzzTests: XCTestCase {
    private func issues(_ text: String) -> [ConfigIssue] {
        do {
            _ = try WelkomConfig.parse(text, file: "f.toml")
            XCTFail("expected a ConfigError for \(text.debugDescription)")
            return []
        } catch {
            return error.issues
        }
    }

    func testHeadersWithoutAKeyAreRefusedWithTheirLine() {
        // The fuzzer's input first, then its relatives: each must be refused, never abort.
        for (text, line) in [("[\n", 1), ("[", 1), ("[[\n", 1), ("[[[a]]]\n", 1), ("[ #x\n", 1),
                             ("[=]\n", 1), ("\u{FEFF}[\u{FFFD}", 1), ("[data]\ndir = \"/d\"\n\n[ \n", 4), ("[.a]\n", 1)] {
            let found = issues(text)
            XCTAssertEqual(found.count, 1, text.debugDescription)
            XCTAssertEqual(found.first?.file, "f.toml")
            if text != "[" { XCTAssertEqual(found.first?.line, line, text.debugDescription) }
        }
    }

    func testABraceWhereAnArrayExpectsAValueIsRefusedWithItsLine() {
        for (text, line) in [("s=[}", 1), ("s = [1, }", 1), ("[a]\ns = [\n  # c\n  }\n]\n", 4), ("t = { u = [ } ]}", 1)] {
            let found = issues(text)
            XCTAssertEqual(found.count, 1, text.debugDescription)
            XCTAssertEqual(found.first?.line, line, text.debugDescription)
        }
    }

    func testBracketsInsideValuesAreNoHeaders() {
        XCTAssertNil(TOMLPreflight.firstTrap(in: """
            a = [
              [
                1
              ],
            ]
            b = \"\"\"
            [
            \"\"\"
            c = '''
            [=
            '''
            d = "[" # [
            e = { f = [ ] }
            [g]
            [[h]]
            [ "i" ]
            j = [ { k = 1 }, {}, "}" ]
            """))
    }

    func testTheShippedConfigsPassTheCheck() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for path in ["config/welkom.toml", "config/examples/store.toml"] {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            XCTAssertNil(TOMLPreflight.firstTrap(in: text), path)
        }
    }
}
