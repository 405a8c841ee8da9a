import XCTest
@testable import WelkomConfig

/// Every key that takes one of a fixed set of words: an unknown word, a wrongly cased one or a
/// value of the wrong type is a config error on its line, never a quiet fallback to the default.
final class EnumValueTests: XCTestCase {
    /// (the file up to the key's line, the key's path, the key's line, the values it accepts)
    static let keys: [(prefix: String, key: String, line: Int, accepted: [String])] = [
        ("[radio]\nkernel_channel = ", "radio.kernel_channel", 2, KernelChannel.allCases.map(\.rawValue)),
        ("[radio]\nrecord_format = ", "radio.record_format", 2, RecordFormat.allCases.map(\.rawValue)),
        ("[log]\nformat = ", "log.format", 2, LogFormat.allCases.map(\.rawValue)),
        ("[log]\nlevel = ", "log.level", 2, LogLevel.allCases.map(\.rawValue)),
        ("[[till]]\nid = \"1\"\n[[pole_display]]\ntill = \"1\"\npath = \"/dev/ttyUSB0\"\nprotocol = ",
         "pole_display[1].protocol", 6, PoleDisplayProtocol.allCases.map(\.rawValue)),
        ("[[till]]\nid = \"1\"\n[[reader]]\ntill = \"1\"\npath = \"/dev/ttyACM0\"\nkind = ",
         "reader[1].kind", 6, ["serial", "evdev"]),
        ("[[till]]\nid = \"1\"\n[[reader]]\ntill = \"1\"\nkind = \"evdev\"\npath = \"/dev/input/event3\"\nlayout = ",
         "reader[1].layout", 7, KeyboardLayout.allCases.map(\.rawValue)),
        ("[[till]]\nid = \"1\"\nlanguage = ", "till[1].language", 3, ["nl", "en", ""]),
    ]

    func testEveryAcceptedValueParses() throws {
        for entry in Self.keys {
            for value in entry.accepted {
                XCTAssertNoThrow(try WelkomConfig.parse(entry.prefix + "\"\(value)\"\n", file: "w.toml"),
                                 "\(entry.key) = \(value)")
            }
        }
    }

    func testUnknownWrongCaseAndWrongTypeAreErrorsOnTheirLine() {
        for entry in Self.keys {
            for bad in ["\"bogus\"", "\"\(entry.accepted[0].uppercased())X\"", "1"] {
                let issues = issueLines(entry.prefix + bad + "\n")
                XCTAssertEqual(issues.count, 1, "\(entry.key) = \(bad): \(issues)")
                XCTAssertTrue(issues.first?.hasPrefix("w.toml:\(entry.line): \(entry.key): ") ?? false,
                              "\(entry.key) = \(bad): \(issues)")
            }
        }
    }

    func testAWrongCaseIsSuggestedNotFoldedToAKnownValue() {
        XCTAssertEqual(issueLines("[radio]\nkernel_channel = \"RAW\"\n"), [
            "w.toml:2: radio.kernel_channel: unknown value \"RAW\"; did you mean raw? (expected one of raw, user, raw-then-user)",
        ])
    }
}
