import Foundation
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// Issue 15's hub side without a browser: pairing roles, the desk's session (which holds a card
/// number only in memory and forgets it), the desk's form bodies, and the QR code's SVG.
final class DeskTests: XCTestCase {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func testADeskCodeMakesADeskPairingAndAnOrdinaryCodeATillOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-desk-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let store = try PairingStore(dataDirectory: directory)
        let desk = try XCTUnwrap(try store.redeem(code: try store.issueCode(till: "1", role: .desk, now: t0), now: t0))
        let till = try XCTUnwrap(try store.redeem(code: try store.issueCode(till: "1", now: t0), now: t0))
        XCTAssertEqual(desk.pairing.role, .desk)
        XCTAssertEqual(till.pairing.role, .till)
        XCTAssertEqual(try store.pairing(token: desk.token, now: t0)?.role, .desk)
        XCTAssertEqual(try store.pairings().map(\.role).sorted { $0.rawValue < $1.rawValue }, [.desk, .till])
    }

    func testTheSessionTakesOneCardForgetsItWhenAnsweredAndDropsAnIdleOne() async throws {
        let clock = ManualClock(t0)
        let hub = Fixture.hub(clock: clock, recorder: ActionRecorder())
        let refused = await hub.offerCard(till: "1", normalised: "4006381333931")
        XCTAssertFalse(refused, "no enrolment waits: the scan is an ordinary one")
        let started = await hub.deskStart(till: "1")
        let id = try XCTUnwrap(started)
        let offeredElsewhere = await hub.offerCard(till: "2", normalised: "4006381333931")
        XCTAssertFalse(offeredElsewhere, "another till's reader does not feed this desk")
        let taken = await hub.offerCard(till: "1", normalised: "4006381333931")
        XCTAssertTrue(taken)
        let second = await hub.offerCard(till: "1", normalised: "8712345678906")
        XCTAssertFalse(second, "one card per enrolment")
        let wrongSession = await hub.deskBeginAnswer(till: "1", sessionID: "older")
        XCTAssertNil(wrongSession)
        let card = await hub.deskBeginAnswer(till: "1", sessionID: id)
        XCTAssertEqual(card, "4006381333931")
        let again = await hub.deskBeginAnswer(till: "1", sessionID: id)
        XCTAssertNil(again, "a second press while recording gets nothing")
        // While it is recorded, staff cannot start anew or cancel: its outcome would be lost from the page.
        let restarted = await hub.deskStart(till: "1")
        XCTAssertNil(restarted, "a new enrolment replaced one being recorded")
        let withdrawal = await hub.deskStartWithdrawal(till: "1", pairing: nil)
        XCTAssertNil(withdrawal, "a withdrawal replaced an enrolment being recorded")
        let cancelled = await hub.deskCancel(till: "1")
        XCTAssertFalse(cancelled, "an enrolment being recorded was cancelled")
        await hub.deskEndAnswer(till: "1", sessionID: id, outcome: .enrolled)
        let finished = await hub.deskSession(till: "1")
        guard case .finished(.enrolled)? = finished?.step else { return XCTFail("\(String(describing: finished))") }
        let cancelledAfter = await hub.deskCancel(till: "1")
        XCTAssertTrue(cancelledAfter, "a finished session can be cleared")

        _ = await hub.deskStart(till: "1")
        _ = await hub.offerCard(till: "1", normalised: "4006381333931")
        clock.advance(by: DeskSession.idleLifetime + 1)
        let dropped = await hub.deskSession(till: "1")
        XCTAssertNil(dropped, "an abandoned enrolment is dropped with its card")

        // A withdrawal left waiting for its card lapses within a minute, so a later shopper's
        // scan at this till is an ordinary one and withdraws nothing.
        _ = await hub.deskStartWithdrawal(till: "1", pairing: nil)
        clock.advance(by: DeskSession.withdrawalCardLifetime + 1)
        let lapsed = await hub.offerCard(till: "1", normalised: "4006381333931")
        XCTAssertFalse(lapsed, "a lapsed withdrawal took the next shopper's card")
    }

    func testFormBodiesKeepRepeatedNamesAndDecode() throws {
        let form = try FormBody(parsing: "scope=greeting&scope=name&name=Jos%C3%A9+de+Vries&key=1&empty=&=x&flag")
        XCTAssertEqual(form.all("scope"), ["greeting", "name"])
        XCTAssertEqual(form.first("name"), "José de Vries")
        XCTAssertEqual(form.first("key"), "1")
        XCTAssertEqual(form.first("empty"), "")
        XCTAssertEqual(form.first("flag"), "")
        XCTAssertNil(form.first("missing"))
        // A field that does not decode is refused by its position, never read as "".
        XCTAssertThrowsError(try FormBody(parsing: "scope=greeting&name=Anna%ZZ")) { error in
            XCTAssertEqual(error as? FormBody.Malformed, FormBody.Malformed(field: 2))
        }
        XCTAssertThrowsError(try FormBody(parsing: "card%C3=1")) { error in
            XCTAssertEqual((error as? FormBody.Malformed)?.description, "form field 1 is not valid percent-encoding")
        }
    }

    func testTheQRCodeIsAnSVGWithAQuietZone() throws {
        let uri = "welkom-wlk1:00112233445566778899aabbccddeeff?company=ffff&window=600"
        let svg = try XCTUnwrap(QRCodeSVG.render(uri, moduleSize: 4))
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertFalse(svg.contains(uri), "the key is in the modules, not in the markup")
        // Version 5 (37 modules) holds 84 bytes at level M; with the quiet zone: (37 + 8) × 4.
        XCTAssertTrue(svg.contains("width=\"180\""), svg.prefix(120).description)
        XCTAssertNil(QRCodeSVG.render(String(repeating: "x", count: 5000)), "too long for any version")
    }
}
