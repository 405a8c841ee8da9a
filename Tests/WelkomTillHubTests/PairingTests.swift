import Foundation
import Hummingbird
import HummingbirdTesting
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// Pairing: the store (codes, hashed tokens, revocation), the rate limit, and every route's
/// answer to paired, unpaired and wrongly paired requests.
final class PairingTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-pairing-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    // MARK: Store

    func testCodeIsOneTimeAndExpiresAfterFiveMinutes() throws {
        let store = try PairingStore(dataDirectory: directory)
        let code = try store.issueCode(till: "1", now: t0)
        XCTAssertNotNil(code.wholeMatch(of: /\d{4}-\d{4}/), code)
        let made = try XCTUnwrap(try store.redeem(code: code, now: t0.addingTimeInterval(299)))
        XCTAssertEqual(made.pairing.till, "1")
        XCTAssertNil(try store.redeem(code: code, now: t0.addingTimeInterval(299)), "a code works once")

        let late = try store.issueCode(till: "2", now: t0)
        XCTAssertNil(try store.redeem(code: late, now: t0.addingTimeInterval(300)), "expired after 5 minutes")
        XCTAssertNil(try store.redeem(code: "12", now: t0))
        XCTAssertNil(try store.redeem(code: "", now: t0))
    }

    func testCodeMayBeTypedWithSpacesOrWithoutTheDash() throws {
        let store = try PairingStore(dataDirectory: directory)
        let code = try store.issueCode(till: "1", now: t0)
        let typed = code.replacingOccurrences(of: "-", with: " ")
        XCTAssertNotNil(try store.redeem(code: typed, now: t0))
    }

    func testOnlyHashesAreStoredAndTheFileIsPrivate() throws {
        let store = try PairingStore(dataDirectory: directory)
        let code = try store.issueCode(till: "1", now: t0)
        let bytesBefore = try allBytes()
        XCTAssertFalse(bytesBefore.contains(code.filter(\.isNumber)), "the code itself is not stored")
        let made = try XCTUnwrap(try store.redeem(code: code, now: t0))
        XCTAssertFalse(try allBytes().contains(made.token), "the token itself is not stored")
        XCTAssertEqual(try store.pairing(token: made.token, now: t0), made.pairing)
        XCTAssertNil(try store.pairing(token: made.token + "x", now: t0))
        let mode = try FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
    }

    func testAnotherProcessesCodeIsSeen() throws {
        // The CLI and the agent each open the file: a code written by one is redeemed by the other.
        let cli = try PairingStore(dataDirectory: directory)
        let agent = try PairingStore(dataDirectory: directory)
        let code = try cli.issueCode(till: "2", now: t0)
        XCTAssertEqual(try agent.redeem(code: code, now: t0)?.pairing.till, "2")
        XCTAssertEqual(try cli.pairings().map(\.till), ["2"])
    }

    func testRevokeByIDAndByTill() throws {
        let store = try PairingStore(dataDirectory: directory)
        let a = try XCTUnwrap(try store.redeem(code: store.issueCode(till: "1", now: t0), now: t0))
        let b = try XCTUnwrap(try store.redeem(code: store.issueCode(till: "1", now: t0), now: t0))
        let c = try XCTUnwrap(try store.redeem(code: store.issueCode(till: "2", now: t0), now: t0))
        XCTAssertEqual(try store.pairings().count, 3)
        XCTAssertTrue(try store.revoke(pairingID: a.pairing.id))
        XCTAssertFalse(try store.revoke(pairingID: a.pairing.id))
        XCTAssertNil(try store.pairing(token: a.token, now: t0))
        XCTAssertNotNil(try store.pairing(token: b.token, now: t0))
        XCTAssertEqual(try store.revoke(till: "1"), 1)
        XCTAssertNil(try store.pairing(token: b.token, now: t0))
        XCTAssertEqual(try store.pairings(), [c.pairing])
    }

    func testRateLimitOnWrongCodes() {
        var attempts = PairingAttempts(limit: 3, window: 60)
        for i in 0..<3 {
            XCTAssertNil(attempts.check(client: "192.0.2.7", now: t0.addingTimeInterval(Double(i))))
            attempts.recordFailure(client: "192.0.2.7", now: t0.addingTimeInterval(Double(i)))
        }
        XCTAssertEqual(attempts.check(client: "192.0.2.7", now: t0.addingTimeInterval(10)), 50)
        XCTAssertNil(attempts.check(client: "192.0.2.7", now: t0.addingTimeInterval(61)), "the oldest failure left the window")
    }

    // MARK: Routes

    func hub(_ store: PairingStore, clock: any WelkomClock = SystemClock(), recorder: ActionRecorder = ActionRecorder()) -> TillHub {
        TillHub(tills: Fixture.tills, logger: Fixture.logger, clock: clock, pairings: store) { try await recorder.record($0) }
    }

    func testUnpairedRequestsGet401AndNoCustomerData() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let recorder = ActionRecorder()
        let hub = hub(store, recorder: recorder)
        await hub.show(Fixture.prompt("p1", text: "Welkom terug, Anna", now: Date()))
        try await Fixture.application(hub: hub).test(.router) { client in
            for (uri, method) in [("/", HTTPRequest.Method.get), ("/till/1", .get), ("/till/1/events", .get),
                                  ("/till/1/prompts/p1/ack", .post), ("/till/1/prompts/p1/dismiss", .post),
                                  ("/till/9", .get)] {
                for headers: HTTPFields in [[:], [.authorization: "Bearer nope"], [.cookie: "welkom_till_1=nope"]] {
                    try await client.execute(uri: uri, method: method, headers: headers) { response in
                        XCTAssertEqual(response.status, .unauthorized, "\(method) \(uri) \(headers)")
                        XCTAssertFalse(response.body.text.contains("Anna"), uri)
                        XCTAssertFalse(response.body.text.contains(Fixture.customer), uri)
                    }
                }
            }
            // Not on the till pages' router at all: the agent serves it on the metrics listener.
            try await client.execute(uri: "/healthz", method: .get) { XCTAssertEqual($0.status, .notFound) }
            try await client.execute(uri: "/pair", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(response.body.text.contains(#"<form id="pair" method="post" action="/pair">"#))
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [], "an unpaired press records nothing")
    }

    func testPairingByFormSetsTheCookieAndOpensTheTill() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = hub(store)
        let code = try store.issueCode(till: "2", now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            let cookie = try await client.execute(uri: "/pair", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "code=\(code)")) { response -> String in
                XCTAssertEqual(response.status, .seeOther)
                XCTAssertEqual(response.headers[.location], "/till/2")
                let setCookie = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(setCookie.hasPrefix("welkom_till_2="), setCookie)
                XCTAssertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie)
                XCTAssertFalse(setCookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back")
                return String(setCookie.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/till/2", method: .get, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(response.body.text.contains("Kassa 2"))
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: "other=1; " + cookie]) {
                XCTAssertEqual($0.status, .ok)
            }
            // Paired with till 2 is not paired with till 1.
            try await client.execute(uri: "/till/1", method: .get, headers: [.cookie: cookie]) {
                XCTAssertEqual($0.status, .unauthorized)
            }
            let token = String(cookie.dropFirst("welkom_till_2=".count))
            try await client.execute(uri: "/till/1/events", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                XCTAssertEqual($0.status, .forbidden)
            }
            // The code is used up.
            try await client.execute(uri: "/pair", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "code=\(code)")) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertNil(response.headers[.setCookie])
            }
        }
    }

    /// A desk's customer screen lands on the customer page and may open no till route: turned to
    /// the shop floor, it shows no other customer's prompt whatever is typed into its address bar.
    func testACustomerScreenLandsOnTheCustomerPageAndSeesNoPrompt() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = hub(store)
        await hub.show(Fixture.prompt("p1", till: "2", text: "Welkom terug, Anna", now: Date()))
        let code = try store.issueCode(till: "2", role: .customer, now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            let cookie = try await client.execute(uri: "/pair", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "code=\(code)")) { response -> String in
                XCTAssertEqual(response.status, .seeOther)
                XCTAssertEqual(response.headers[.location], "/desk/2/customer")
                return String(try XCTUnwrap(response.headers[.setCookie]).prefix { $0 != ";" })
            }
            for (uri, method) in [("/", HTTPRequest.Method.get), ("/till/2", .get), ("/till/2/events", .get),
                                  ("/till/2/prompts/p1/ack", .post), ("/till/2/prompts/p1/withdraw", .post),
                                  ("/desk/2", .get), ("/desk/2/start", .post), ("/desk/2/withdraw", .post)] {
                try await client.execute(uri: uri, method: method, headers: [.cookie: cookie]) { response in
                    XCTAssertEqual(response.status, .forbidden, "\(method) \(uri)")
                    XCTAssertTrue(response.body.text.contains("customer screen"), "\(uri): \(response.body.text)")
                    XCTAssertFalse(response.body.text.contains("Anna"), uri)
                }
            }
        }
        XCTAssertEqual(try store.pairings().map(\.role), [.customer])
    }

    func testPairingByJSONGivesABearerTokenForActions() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let recorder = ActionRecorder()
        let hub = hub(store, recorder: recorder)
        await hub.show(Fixture.prompt("p1", now: Date()))
        let code = try store.issueCode(till: "1", now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            let token = try await client.execute(
                uri: "/pair", method: .post, headers: [.contentType: "application/json", .accept: "application/json"],
                body: ByteBuffer(string: #"{"code":"\#(code)"}"#)) { response -> String in
                XCTAssertEqual(response.status, .ok)
                struct Answer: Decodable { var till: String; var token: String; var pairing: String }
                let answer = try JSONDecoder().decode(Answer.self, from: Data(response.body.text.utf8))
                XCTAssertEqual(answer.till, "1")
                return answer.token
            }
            try await client.execute(uri: "/till/1/prompts/p1/ack", method: .post, headers: [.authorization: "Bearer \(token)"]) {
                XCTAssertEqual($0.status, .noContent)
            }
        }
        let actions = await recorder.actions
        XCTAssertEqual(actions, [.acknowledge(promptID: "p1", till: "1")])
    }

    func testWrongCodesAreRateLimited() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = hub(store)
        let good = try store.issueCode(till: "1", now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/pair", method: .post, headers: [.accept: "application/json"],
                                         body: ByteBuffer(string: "code=0000-0000")) { XCTAssertEqual($0.status, .unauthorized) }
            }
            try await client.execute(uri: "/pair", method: .post, headers: [.accept: "application/json"],
                                     body: ByteBuffer(string: "code=\(good)")) { response in
                XCTAssertEqual(response.status, .tooManyRequests)
                XCTAssertNotNil(response.headers[.retryAfter])
            }
        }
        let redeemed = try await store.redeem(code: good, now: Date())
        XCTAssertNotNil(redeemed, "a refused attempt does not use the code up")
    }

    func testCrossOriginPairingIsRefused() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = hub(store)
        let code = try store.issueCode(till: "1", now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            try await client.execute(uri: "/pair", method: .post, headers: [.origin: "http://evil.example"],
                                     body: ByteBuffer(string: "code=\(code)")) { XCTAssertEqual($0.status, .forbidden) }
        }
    }

    private func allBytes() throws -> String {
        var all = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            all += (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
        }
        return String(decoding: all, as: UTF8.self)
    }
}
