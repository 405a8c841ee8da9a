@testable import WelkomCards
import XCTest

/// Layouts: what a scanner set to each layout presses for the same code, written out here from
/// the layouts themselves (not from the decoder's tables), must decode to the same characters.
final class KeystrokeDecoderTests: XCTestCase {
    typealias Press = (usage: UInt8, shift: Bool)

    /// The keys each layout's scanner presses for the characters used below.
    static func keys(_ layout: KeyboardLayout) -> [Character: Press] {
        var keys: [Character: Press] = [:]
        let digitUsages: [UInt8] = [0x27, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26]  // 0, 1…9
        let azerty = layout == .fr || layout == .be
        for (digit, usage) in digitUsages.enumerated() {
            // AZERTY types & é " ' ( … on the plain top row: digits need Shift.
            keys[Character(String(digit))] = (usage, azerty)
        }
        keys["H"] = (0x0B, true)
        keys["\n"] = (0x28, false)
        switch layout {
        case .us, .nl:
            keys["A"] = (0x04, true); keys["Z"] = (0x1D, true)
            keys[";"] = (0x33, false); keys["="] = (0x2E, false); keys["?"] = (0x38, true); keys["-"] = (0x2D, false)
        case .de:
            keys["A"] = (0x04, true); keys["Z"] = (0x1C, true)                  // QWERTZ
            keys[";"] = (0x36, true); keys["="] = (0x27, true); keys["?"] = (0x2D, true); keys["-"] = (0x38, false)
        case .fr:
            keys["A"] = (0x14, true); keys["Z"] = (0x1A, true)                  // AZERTY
            keys[";"] = (0x36, false); keys["="] = (0x2E, false); keys["?"] = (0x10, true); keys["-"] = (0x23, false)
        case .be:
            keys["A"] = (0x14, true); keys["Z"] = (0x1A, true)
            keys[";"] = (0x36, false); keys["="] = (0x38, false); keys["?"] = (0x10, true); keys["-"] = (0x2E, false)
        }
        return keys
    }

    /// Boot reports for `text` as the scanner sends them: a press, then a release, per character.
    static func reports(_ text: String, _ layout: KeyboardLayout) -> [[UInt8]] {
        let keys = keys(layout)
        return text.flatMap { c -> [[UInt8]] in
            guard let key = keys[c] else { fatalError("test table lacks \(c) for \(layout)") }
            return [[key.shift ? 0x02 : 0, 0, key.usage, 0, 0, 0, 0, 0], [UInt8](repeating: 0, count: 8)]
        }
    }

    static func decode(_ reports: [[UInt8]], _ layout: KeyboardLayout) -> [KeystrokeDecoder.Event] {
        var decoder = KeystrokeDecoder(layout: layout)
        return reports.flatMap { decoder.bootReport($0) }
    }

    func testTheSameCodesDecodeAlikeUnderEveryLayout() {
        for code in ["8712345678906", "HA112-Z", ";6280001234567=?"] {
            for layout in KeyboardLayout.allCases {
                XCTAssertEqual(Self.decode(Self.reports(code + "\n", layout), layout), [.code(code)], "\(code) in \(layout)")
            }
        }
    }

    func testTheWrongLayoutGarblesAZERTYDigits() {
        // The IoT-box bug the issue cites: AZERTY "HA112" read as US (and the reverse).
        XCTAssertEqual(Self.decode(Self.reports("HA112\n", .fr), .us), [.code("HQ!!@")])
        XCTAssertEqual(Self.decode(Self.reports("HA112\n", .us), .fr), [.code("HQ&&é")])
    }

    func testKeypadDigitsAltGrAndTerminators() {
        var decoder = KeystrokeDecoder(layout: .de)
        // Keypad 4, 2 (same in every layout), AltGr+Q = '@' in German, then Tab ends the code.
        XCTAssertEqual(decoder.bootReport([0, 0, 0x5C, 0, 0, 0, 0, 0]), [])
        XCTAssertEqual(decoder.bootReport([0, 0, 0x5C, 0x5A, 0, 0, 0, 0]), [])   // 2 pressed while 4 held
        XCTAssertEqual(decoder.bootReport([0x40, 0, 0x14, 0, 0, 0, 0, 0]), [])
        XCTAssertEqual(decoder.bootReport([0, 0, 0x2B, 0, 0, 0, 0, 0]), [.code("42@")])
        // Roll-over reports (too many keys) are ignored rather than typed.
        XCTAssertEqual(decoder.bootReport([0, 0, 1, 1, 1, 1, 1, 1]), [])
        XCTAssertFalse(decoder.hasPartial)
    }

    func testUSInternationalDeadKeysTypeTheirSymbolBeforeSpace() {
        var decoder = KeystrokeDecoder(layout: .nl)
        for usage: UInt8 in [0x1E, 0x34, 0x2C, 0x1F, 0x28] { _ = decoder.press(usage: usage, shift: false, altGr: false) }
        XCTAssertEqual(decoder.press(usage: 0x1E, shift: false, altGr: false), nil)
        XCTAssertEqual(decoder.endOfCode(), .code("1"))
        var again = KeystrokeDecoder(layout: .nl)
        XCTAssertNil(again.press(usage: 0x1E, shift: false, altGr: false))
        XCTAssertNil(again.press(usage: 0x34, shift: false, altGr: false))   // ' (dead)
        XCTAssertNil(again.press(usage: 0x2C, shift: false, altGr: false))   // space: the ' itself
        XCTAssertNil(again.press(usage: 0x1F, shift: false, altGr: false))
        XCTAssertEqual(again.press(usage: 0x28, shift: false, altGr: false), .code("1'2"))
    }

    func testGarbageAndUnmappedKeysAreReportedNotTyped() {
        var decoder = KeystrokeDecoder(layout: .us, limit: 5)
        for _ in 0..<5 { XCTAssertNil(decoder.press(usage: 0x1E, shift: false, altGr: false)) }
        XCTAssertEqual(decoder.press(usage: 0x1E, shift: false, altGr: false), .tooLong)   // reported once
        XCTAssertNil(decoder.press(usage: 0x1E, shift: false, altGr: false))
        XCTAssertNil(decoder.press(usage: 0x28, shift: false, altGr: false))                // rest skipped
        XCTAssertNil(decoder.press(usage: 0x1E, shift: false, altGr: false))
        XCTAssertNil(decoder.press(usage: 0x3A, shift: false, altGr: false))                // F1
        XCTAssertEqual(decoder.press(usage: 0x28, shift: false, altGr: false), .unmappedKey(position: 2))
        XCTAssertNil(decoder.endOfCode(), "nothing held after a terminator")
    }
}
