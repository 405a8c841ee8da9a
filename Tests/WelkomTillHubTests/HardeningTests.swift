import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import NIOPosix
import WelkomCore
import XCTest
@testable import WelkomTillHub

/// Issue 12, findings 2, 3 and 7 at the hub: the pairing limit per client, the Host allow-list,
/// expiring and renewed tokens, the connection caps and timeouts, the bounded and expiry-aware
/// event stream.
final class HardeningTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("welkom-hardening-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    // MARK: Pairing limit

    func testOneClientsWrongCodesNeverLimitAnother() {
        var attempts = PairingAttempts(limit: 5, window: 60)
        // One wrong code every 4 s, for ten minutes: the flood that locked every display out.
        var refused = 0
        for i in 0..<150 {
            let at = t0.addingTimeInterval(Double(i) * 4)
            if attempts.check(client: "127.0.0.3", now: at) == nil {
                attempts.recordFailure(client: "127.0.0.3", now: at)
            } else {
                refused += 1
            }
            XCTAssertNil(attempts.check(client: "127.0.0.2", now: at), "another client is held back at \(i)")
        }
        XCTAssertGreaterThanOrEqual(refused, 100, "the flooding client itself is limited most of the time: 5 codes a minute")
    }

    func testIPv6ClientsAreCountedBySlash64AndTheTableIsBounded() {
        XCTAssertEqual(PairingAttempts.key("2001:db8:1:2:aaaa::1"), PairingAttempts.key("2001:db8:1:2:bbbb:cccc:dddd:eeee"))
        XCTAssertNotEqual(PairingAttempts.key("2001:db8:1:2::1"), PairingAttempts.key("2001:db8:1:3::1"))
        XCTAssertEqual(PairingAttempts.key("10.0.0.1"), "10.0.0.1")
        var attempts = PairingAttempts(limit: 1, window: 60, maxClients: 100)
        for i in 0..<1000 {
            attempts.recordFailure(client: "10.0.\(i / 256).\(i % 256)", now: t0.addingTimeInterval(Double(i) / 100))
        }
        XCTAssertLessThanOrEqual(attempts.clientCount, 100)
    }

    func testAValidCodeFromAnotherClientPairsWhileOneClientIsLimited() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = TillHub(tills: Fixture.tills, logger: Fixture.logger, pairings: store) { _ in }
        for _ in 0..<10 {
            _ = await hub.pair(code: "0000-0000", client: "127.0.0.3")
        }
        let code = try store.issueCode(till: "1", now: Date())
        if case .tooManyAttempts = await hub.pair(code: "1111-1111", client: "127.0.0.3") {} else {
            XCTFail("the flooding client is limited")
        }
        guard case .paired(let made) = await hub.pair(code: code, client: "127.0.0.2") else {
            return XCTFail("a valid code from another client was refused")
        }
        XCTAssertEqual(made.pairing.till, "1")
    }

    // MARK: Host allow-list

    func testHostAllowList() {
        let loopback = HostAllowList(configured: ["Kassa.Winkel.lan"], listenHost: "127.0.0.1", loopback: true)
        for host in ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "kassa.winkel.lan", "KASSA.winkel.lan:443",
                     "kassa.winkel.lan.", "192.168.1.20"] {
            XCTAssertEqual(loopback.check(host), .allowed, host)
        }
        for host in ["evil.example", "evil.example:8080", "localhost.evil.example", "kassa.winkel.lan.evil.example",
                     "127.0.0.1.nip.io", "a b", "localhost:80:80", "localhost:abc", "[::1", "localhost/x", "localhost@evil.example",
                     "999.1.1.1", String(repeating: "a", count: 400)] {
            XCTAssertEqual(loopback.check(host), .refused, host)
        }
        XCTAssertEqual(loopback.check(nil), .missing)
        XCTAssertEqual(loopback.check(""), .missing)
        let lan = HostAllowList(configured: [], listenHost: "0.0.0.0", loopback: false)
        XCTAssertEqual(lan.check("localhost"), .refused, "localhost is no name of a gateway reached over the LAN")
        XCTAssertEqual(lan.check("10.1.2.3:8080"), .allowed)
    }

    func testEveryRouteChecksTheHost() async throws {
        // The router test framework always sends Host: localhost.
        let refusing = TillHub(tills: Fixture.tills, logger: Fixture.logger,
                               hosts: HostAllowList(configured: ["kassa.lan"], listenHost: "10.0.0.5", loopback: false)) { _ in }
        try await Fixture.application(hub: refusing).test(.router) { client in
            for uri in ["/", "/pair", "/till/1", "/till/1/events", "/nowhere"] {
                try await client.execute(uri: uri, method: .get) { XCTAssertEqual($0.status.code, 421, uri) }
            }
            try await client.execute(uri: "/pair", method: .post, body: ByteBuffer(string: "code=1")) {
                XCTAssertEqual($0.status.code, 421)
            }
        }
        let allowing = TillHub(tills: Fixture.tills, logger: Fixture.logger,
                               hosts: HostAllowList(configured: [], listenHost: "127.0.0.1", loopback: true)) { _ in }
        try await Fixture.application(hub: allowing).test(.router) { client in
            try await client.execute(uri: "/pair", method: .get) { XCTAssertEqual($0.status, .ok) }
        }
    }

    func testPlainHTTPOnTheNetworkIsWarnedAbout() throws {
        let warning = try XCTUnwrap(TillListenerNotice.plainHTTP(listen: "0.0.0.0:8080", loopback: false, tls: false))
        XCTAssertTrue(warning.contains("0.0.0.0:8080") && warning.contains("plain HTTP") && warning.contains("tls_certificate"))
        XCTAssertNil(TillListenerNotice.plainHTTP(listen: "127.0.0.1:8080", loopback: true, tls: false))
        XCTAssertNil(TillListenerNotice.plainHTTP(listen: "0.0.0.0:8443", loopback: false, tls: true))
    }

    // MARK: Tokens

    func testTokensExpireAndRenewing() throws {
        let store = try PairingStore(dataDirectory: directory)
        let made = try XCTUnwrap(try store.redeem(code: store.issueCode(till: "1", now: t0), now: t0, tokenLifetime: 100))
        XCTAssertEqual(made.pairing.expires, t0.addingTimeInterval(100))
        XCTAssertNotNil(try store.pairing(token: made.token, now: t0.addingTimeInterval(99)))
        XCTAssertNil(try store.pairing(token: made.token, now: t0.addingTimeInterval(100)), "expired")
        XCTAssertFalse(try store.exists(pairingID: made.pairing.id, now: t0.addingTimeInterval(100)))
        XCTAssertTrue(try store.renew(pairingID: made.pairing.id, now: t0.addingTimeInterval(50), until: t0.addingTimeInterval(150)))
        XCTAssertNotNil(try store.pairing(token: made.token, now: t0.addingTimeInterval(149)), "renewed")
        XCTAssertFalse(try store.renew(pairingID: made.pairing.id, now: t0.addingTimeInterval(200), until: t0.addingTimeInterval(300)),
                       "an expired pairing cannot be brought back")
        XCTAssertNil(try store.pairing(token: made.token, now: t0.addingTimeInterval(250)))
    }

    func testPairingCookieLastsAsLongAsTheTokenAndTheStreamRenewsIt() async throws {
        let store = try PairingStore(dataDirectory: directory)
        let hub = TillHub(tills: Fixture.tills, logger: Fixture.logger, pairings: store, tokenLifetime: 3600) { _ in }
        let code = try store.issueCode(till: "1", now: Date())
        try await Fixture.application(hub: hub).test(.router) { client in
            let cookie = try await client.execute(uri: "/pair", method: .post, body: ByteBuffer(string: "code=\(code)")) { response in
                XCTAssertEqual(response.status, .seeOther)
                let cookie = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(cookie.contains("Max-Age=3600;"), cookie)
                return String(cookie.split(separator: ";")[0])
            }
            try await client.execute(uri: "/till/1/renew", method: .post, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .noContent)
                XCTAssertTrue(response.headers[.setCookie]?.contains("Max-Age=3600;") == true)
            }
            try await client.execute(uri: "/till/1/renew", method: .post) { XCTAssertEqual($0.status, .unauthorized) }
        }
        let pairing = try XCTUnwrap(store.pairings().first)
        XCTAssertGreaterThan(try XCTUnwrap(pairing.expires), Date().addingTimeInterval(3500))
    }

    // MARK: Events

    func testOneEventStaysUnder4KiBWhateverTheText() throws {
        let huge = String(repeating: "Anna ", count: 4_000_000)
        let controls = String(repeating: "\u{01}", count: 100_000)
        let zalgo = "A" + String(repeating: "\u{0301}", count: 100_000)
        for text in [huge, controls, zalgo] {
            var prompt = Fixture.prompt(String(repeating: "\u{02}", count: 10_000), text: text, now: t0)
            prompt.id = String(repeating: "\u{02}", count: 10_000)
            let event = TillEvent(id: UInt64.max, till: "1", body: .prompt(PromptPayload(prompt)))
            let wire = event.encoded()
            XCTAssertLessThanOrEqual(wire.utf8.count, TillEvent.maxEncodedBytes)
            if case .prompt(let payload) = event.body { XCTAssertTrue(payload.text.hasSuffix("…")) }
        }
        let short = PromptPayload(Fixture.prompt("p1", text: "Welkom terug, Anna", now: t0))
        XCTAssertEqual(short.text, "Welkom terug, Anna", "a normal text is untouched")
    }

    func testReplayLeavesOutPromptsThatHaveExpired() throws {
        var board = PromptBoard(start: 1000)
        _ = board.show(Fixture.prompt("short", text: "Kort", now: t0, lifetime: 10), now: t0)
        _ = board.show(Fixture.prompt("long", text: "Lang", now: t0, lifetime: 600), now: t0)
        // The page saw nothing yet (cursor 1000) and reconnects after the first has expired but
        // before any sweep took it off.
        guard case .replay(let events) = board.catchUp(till: "1", after: 1000, now: t0.addingTimeInterval(60)) else {
            return XCTFail("a cursor in range is replayed")
        }
        let ids: [String] = events.compactMap { if case .prompt(let p) = $0.body { p.id } else { nil } }
        XCTAssertEqual(ids, ["long"])
    }

    // MARK: Connections

    func testConnectionLimiterCapsPerClientAndInAll() {
        let limiter = ConnectionLimiter(maxTotal: 5, maxPerClient: 3)
        XCTAssertEqual((0..<5).map { _ in limiter.admit("10.0.0.1") }, [true, true, true, false, false])
        XCTAssertTrue(limiter.admit("10.0.0.2"))
        XCTAssertTrue(limiter.admit("10.0.0.3"))
        XCTAssertFalse(limiter.admit("10.0.0.4"), "the total cap")
        limiter.release("10.0.0.1")
        XCTAssertTrue(limiter.admit("10.0.0.4"))
        XCTAssertEqual(limiter.counts.open, 5)
        XCTAssertEqual(limiter.counts.refused, 3)
    }

    /// A real server with the gate: connections over the per-client cap are closed at once,
    /// and one that trickles its request head is closed after the header timeout.
    func testGateClosesConnectionsOverTheCapAndSlowHeads() async throws {
        let rules = ConnectionRules(limiter: ConnectionLimiter(maxTotal: 100, maxPerClient: 4),
                                    headerTimeout: .milliseconds(700), idleTimeout: .seconds(30))
        let router = Router(context: TillRequestContext.self)
        router.get("/") { _, _ in "ok" }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router,
                              server: HTTPServerBuilder { rules.gated(HTTP1Channel(responder: $0, configuration: rules.http1Configuration)) },
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) },
                              logger: Fixture.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var ports = portStream.makeAsyncIterator()
            let next = await ports.next()
            let port = try XCTUnwrap(next)
            var sockets: [RawSocket] = []
            for _ in 0..<8 { sockets.append(try RawSocket(port: port)) }
            try await Task.sleep(for: .milliseconds(300))
            let closedEarly = sockets.filter { $0.isClosedByPeer() }.count
            XCTAssertEqual(closedEarly, 4, "four over the cap of four are closed at once")
            // The slow-loris: a byte now and then, never a complete head.
            let open = sockets.filter { !$0.isClosedByPeer() }
            for _ in 0..<4 {
                for s in open { s.send("G") }
                try await Task.sleep(for: .milliseconds(300))
            }
            XCTAssertTrue(open.allSatisfy { $0.isClosedByPeer() }, "slow heads closed after the header timeout")
            // Their places are free again: a normal request is answered.
            let fresh = try RawSocket(port: port)
            fresh.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            try await Task.sleep(for: .milliseconds(300))
            XCTAssertTrue(fresh.received().hasPrefix("HTTP/1.1 200"), fresh.received())
            group.cancelAll()
        }
    }
}

extension HardeningTests {
    /// A peer that stops reading: once its socket buffers are full our writes stall, and the
    /// gate closes the connection after the write-stall timeout, so the stream's write fails and
    /// the stream ends (a vanished page does not hold its buffers for good).
    func testAStreamWhosePeerStopsReadingIsClosed() async throws {
        let rules = ConnectionRules(limiter: ConnectionLimiter(maxTotal: 10, maxPerClient: 10),
                                    headerTimeout: .seconds(5), idleTimeout: .seconds(30), writeStallTimeout: .seconds(1))
        let ended = StreamEnd()
        let router = Router(context: TillRequestContext.self)
        router.get("/stream") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
                do {
                    while true { try await writer.write(chunk) }
                } catch {
                    await ended.mark()
                    throw error
                }
            })
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router,
                              server: HTTPServerBuilder { rules.gated(HTTP1Channel(responder: $0, configuration: rules.http1Configuration)) },
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) },
                              logger: Fixture.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var ports = portStream.makeAsyncIterator()
            let next = await ports.next()
            let port = try XCTUnwrap(next)
            let reader = try RawSocket(port: port)
            reader.send("GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
            // It never reads. Bounded wait: the buffers fill in well under a second on loopback.
            let started = ContinuousClock.now
            while await !ended.value, ContinuousClock.now - started < .seconds(15) {
                try await Task.sleep(for: .milliseconds(100))
            }
            let endedValue = await ended.value
            XCTAssertTrue(endedValue, "the stalled stream was not ended")
            _ = reader
            group.cancelAll()
        }
    }
}

actor StreamEnd {
    var value = false
    func mark() { value = true }
}

/// A blocking TCP socket to 127.0.0.1, with non-blocking peeks to see whether the peer closed.
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    private var buffer = Data()

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw NSError(domain: "connect", code: Int(errno)) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Reads what is there; true when the peer has closed (EOF or reset).
    func isClosedByPeer() -> Bool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &bytes, bytes.count, 0)
            if n > 0 { buffer.append(contentsOf: bytes[0..<n]); continue }
            if n == 0 { return true }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    func received() -> String {
        _ = isClosedByPeer()
        return String(decoding: buffer, as: UTF8.self)
    }
}
