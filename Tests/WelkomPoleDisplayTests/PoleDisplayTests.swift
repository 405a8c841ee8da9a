import Foundation
import Logging
import WelkomCore
import XCTest
@testable import WelkomPoleDisplay

final class PoleDisplayTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func prompt(_ kind: PromptKind, _ text: String, till: TillID = "1", language: Language = .nl) -> Prompt {
        Prompt(id: UUID().uuidString, kind: kind, customer: "anna", till: till, scheme: .wlk1, language: language,
               text: text, created: t0, expires: t0.addingTimeInterval(60))
    }

    func display(_ pty: PseudoTerminal, _ commandSet: PoleDisplayCommandSet, clearAfter: Duration = .seconds(3600)) -> PoleDisplay {
        PoleDisplay(PoleDisplayConfiguration(till: "1", path: pty.slavePath, commandSet: commandSet, baud: 9600,
                                             clearAfter: clearAfter, codePage: 19),
                    logger: Logger(label: "test"))
    }

    static func padded(_ s: String) -> [UInt8] {
        Array(s.utf8) + Array(repeating: 0x20, count: 20 - s.utf8.count)
    }

    // MARK: Exact bytes on a pty

    func testESCPOSGreetingBytes() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .escpos)
        await d.show(prompt(.greeting, "Welkom terug, Anna"))
        let expected: [UInt8] = [0x1B, 0x40, 0x1B, 0x74, 19]          // ESC @, ESC t 19 (cp858)
            + [0x1F, 0x24, 1, 1] + Self.padded("Welkom terug!")      // US $ 1 1, line 1
            + [0x1F, 0x24, 1, 2] + Self.padded("Fijn u weer te zien") // US $ 1 2, line 2
        XCTAssertEqual(pty.read(count: expected.count), expected)
    }

    func testCD5220GreetingBytes() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .cd5220)
        await d.show(prompt(.greeting, "Welcome back, Ben", language: .en))
        let expected: [UInt8] = [0x1B, 0x40, 0x1B, 0x74, 19]
            + [0x1B, 0x51, 0x41] + Self.padded("Welcome back!") + [0x0D]     // ESC Q A … CR
            + [0x1B, 0x51, 0x42] + Self.padded("Good to see you") + [0x0D]   // ESC Q B … CR
        XCTAssertEqual(pty.read(count: expected.count), expected)
    }

    func testEuroSignIsCP858AndOfferTakesTheSecondLine() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .cd5220)
        await d.show(prompt(.greeting, "Welkom terug, Anna"))
        _ = pty.read(count: 5 + 2 * 24)
        await d.show(prompt(.offer, "Koffie € 1,50 — één"))
        // € is 0xD5 in cp858, é 0x82, the dash folds to '-'.
        let offer: [UInt8] = Array("Koffie ".utf8) + [0xD5] + Array(" 1,50 - ".utf8) + [0x82, 0x82, 0x6E]
        let expected: [UInt8] = [0x1B, 0x51, 0x41] + Self.padded("Welkom terug!") + [0x0D]
            + [0x1B, 0x51, 0x42] + offer + Array(repeating: 0x20, count: 20 - offer.count) + [0x0D]
        XCTAssertEqual(pty.read(count: expected.count), expected)
    }

    func testClearedAfterTheConfiguredTime() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .escpos, clearAfter: .milliseconds(200))
        await d.show(prompt(.greeting, "x"))
        _ = pty.read(count: 5 + 2 * 24)
        // The clear arrives by itself (waited for with a generous ceiling, not a fixed sleep).
        XCTAssertEqual(pty.read(count: 1), [0x0C])
    }

    func testNotesAndOtherTillsNeverShow() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .escpos)
        await d.show(prompt(.note, "Liever geen Air Miles-vraag"))
        await d.show(prompt(.greeting, "Welkom terug, Anna", till: "2"))
        await d.clear()
        // Only the explicit clear reached the port (after the initialisation on first open).
        XCTAssertEqual(pty.read(count: 6), [0x1B, 0x40, 0x1B, 0x74, 19, 0x0C])
        XCTAssertEqual(pty.drain(window: 0.3), [])
    }

    func testNameNeverReachesThePoleDisplay() async throws {
        let pty = try PseudoTerminal()
        let d = display(pty, .escpos)
        await d.show(prompt(.greeting, "Welkom terug, Anna"))
        let bytes = pty.read(count: 5 + 2 * 24)
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("Anna"))
    }

    // MARK: Pure parts

    func testLinesAreCutAndControlCharactersBlanked() {
        XCTAssertEqual(PoleDisplayCommandSet.fit("123456789012345678901234"), Array("12345678901234567890".utf8))
        XCTAssertEqual(PoleDisplayCommandSet.fit("a\u{1B}@b"), Self.padded("a @b"))
        XCTAssertEqual(CodePage858.encode("€éÉü日"), [0xD5, 0x82, 0x90, 0x81, 0x3F])
        // A decomposed é (e + combining acute) is composed first.
        XCTAssertEqual(CodePage858.encode("e\u{301}"), [0x82])
    }

    func testAMissingPortIsReportedNotFatal() async {
        let d = PoleDisplay(PoleDisplayConfiguration(till: "1", path: "/nonexistent/ttyUSB9", commandSet: .escpos),
                            logger: Logger(label: "test"))
        await d.show(prompt(.greeting, "x"))   // logs a warning, does not throw or crash
        await d.clear()
    }
}
