import Foundation
import Hummingbird
import ServiceLifecycle
import WelkomCore

extension TillHub {
    /// Adds the till hub's routes to `router`:
    ///
    /// | route | answer |
    /// |---|---|
    /// | `GET /` | HTML list of tills with links |
    /// | `GET /till/{id}` | the till display page; 404 for an unknown till |
    /// | `GET /till/{id}/events` | `text/event-stream`: `reset` + active prompts (or, with `Last-Event-ID`, what was missed), then `prompt` / `remove` events and a heartbeat comment |
    /// | `POST /till/{id}/prompts/{promptID}/ack` | acknowledge: 204, 404 unknown, 409 already being recorded, 503 not recorded (prompt stays) |
    /// | `POST /till/{id}/prompts/{promptID}/dismiss` | dismiss: same answers |
    /// | `POST /till/{id}/prompts/{promptID}/withdraw` | body `{"confirm":true}`: the customer behind the prompt withdraws their consent: 204 once it is in effect (prompts off every till, ledger unlinked), 400 without the confirmation, 404 unknown prompt or one that is no customer's, 503 not carried out |
    /// | `/desk/{id}…` | the desk and customer pages and their calls (TillHub+Desk.swift): desk pairings only |
    /// | `POST /till/{id}/renew` | 204: the pairing's expiry (and the cookie's) pushed out by the token lifetime |
    /// | `GET /pair` | the pairing page (`?code=` fills it in; the page's script then POSTs it — a GET never redeems) |
    /// | `POST /pair` | `code=…` (form or JSON `{"code":…}`): 303 to the till page (a desk pairing: the desk page) with the cookie set, or JSON `{"till","pairing","token"}` when the client accepts JSON; 401 wrong code, 429 too many wrong codes from this client address |
    ///
    /// With a `PairingStore`, every route but `/pair` needs a paired display's unexpired token
    /// (cookie or bearer): without one the answer is 401 and holds no customer data; a token of
    /// another till gets 403. An open stream ends within seconds of its pairing being revoked or
    /// expiring. With a `HostAllowList`, every request (unknown paths too) is first checked
    /// for its `Host`: 400 without one, 421 for a name not on the list.
    ///
    /// `/healthz` and `/metrics` are not here: the agent serves them on their own listener
    /// (`addHealthRoute`), so the till LAN sees neither.
    public nonisolated func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        if let hosts {
            // Before any route: middleware is bound to the routes added after it.
            router.add(middleware: HostCheckMiddleware<Context>(hosts: hosts))
        }
        router.get("/") { request, _ in
            if let refusal = await self.refusal(request, till: nil, html: true) { return refusal }
            return Self.html(TillIndexPage.render(tills: self.tills))
        }
        router.get("/pair") { request, _ in
            Self.pairPage(code: request.uri.queryParameters.get("code"), message: nil, status: .ok)
        }
        router.post("/pair") { request, context in
            await self.pairResponse(request, client: Self.clientAddress(context))
        }
        router.get("/till/{till}") { request, context in
            let access = await self.access(request, till: self.tillID(in: context))
            guard case .allowed(let pairingID) = access else { return Self.refusal(access, html: true) }
            guard let till = self.till(in: context) else { return Self.unknownTill }
            var response = Self.html(TillPage.render(till: till, reconnectMilliseconds: self.reconnectMilliseconds))
            await self.renew(pairingID: pairingID, till: till.id, request: request, response: &response)
            // The page loads nothing from elsewhere; say so, so a browser refuses if it ever tried.
            response.headers[.contentSecurityPolicy] =
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            return response
        }
        router.get("/till/{till}/events") { request, context in
            let access = await self.access(request, till: self.tillID(in: context))
            guard case .allowed(let pairingID) = access else { return Self.refusal(access, html: false) }
            guard let till = self.till(in: context) else { return Self.unknownTill }
            var response = self.eventStream(till: till.id, lastEventID: Self.lastEventID(of: request), pairingID: pairingID)
            await self.renew(pairingID: pairingID, till: till.id, request: request, response: &response)
            return response
        }
        // The page calls this twice a day, so a display left open for months stays paired.
        router.post("/till/{till}/renew") { request, context in
            let access = await self.access(request, till: self.tillID(in: context))
            guard case .allowed(let pairingID) = access else { return Self.refusal(access, html: false) }
            guard let till = self.till(in: context) else { return Self.unknownTill }
            guard Self.isSameOrigin(request) else { return Self.text(.forbidden, "cross-origin request refused") }
            var response = Response(status: .noContent)
            await self.renew(pairingID: pairingID, till: till.id, request: request, response: &response)
            return response
        }
        // The page asks this after its stream closed, to tell "revoked" from "agent away".
        router.head("/till/{till}/events") { request, context in
            if let refusal = await self.refusal(request, till: self.tillID(in: context), html: false) { return refusal }
            return self.till(in: context) == nil ? Self.unknownTill : Response(status: .noContent)
        }
        router.post("/till/{till}/prompts/{prompt}/ack") { request, context in
            await self.actionResponse(request: request, context: context) { .acknowledge(promptID: $0, till: $1) }
        }
        router.post("/till/{till}/prompts/{prompt}/dismiss") { request, context in
            await self.actionResponse(request: request, context: context) { .dismiss(promptID: $0, till: $1) }
        }
        router.post("/till/{till}/prompts/{prompt}/withdraw") { request, context in
            await self.withdrawResponse(request: request, context: context)
        }
        addDeskRoutes(to: router)
    }

    /// `GET /healthz` on `router`: 200 `ok`, or 503 when `health` says a source has stopped for
    /// good, then one line per source. The agent puts it on its metrics listener, not the till's.
    public nonisolated static func addHealthRoute<Context: RequestContext>(to router: Router<Context>,
                                                                        health: (@Sendable () -> HealthReport)? = nil) {
        router.get("/healthz") { _, _ in
            guard let report = health?() else { return Self.text(.ok, "ok") }
            // Not 200 when a source is gone for good: a monitor or `systemctl` health check sees a store without its radio.
            return Self.text(report.healthy ? .ok : .serviceUnavailable, report.text)
        }
    }

    // MARK: Server-Sent Events

    private nonisolated func eventStream(till: TillID, lastEventID: UInt64?, pairingID: String?) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-store",
        ]
        // Reverse proxies (nginx) would otherwise hold events back in their buffers.
        if let accelBuffering = HTTPFields.Element.Name("X-Accel-Buffering") {
            headers[accelBuffering] = "no"
        }
        let heartbeat = heartbeatInterval
        let retry = reconnectMilliseconds
        let body = ResponseBody { writer in
            // Subscribing here, not in the handler, means a response that is never written
            // never leaves a page registered.
            let subscription = await self.subscribe(till: till, lastEventID: lastEventID)
            do {
                try await writer.write(ByteBuffer(string: "retry: \(retry)\n\n"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Every second, whether the pairing still stands: a revoked display's
                        // stream ends, and its reconnection gets 401.
                        var sinceHeartbeat = Duration.zero
                        let tick = min(heartbeat, .seconds(1))
                        while true {
                            try await Task.sleep(for: tick)
                            if let pairingID, let store = self.pairings, (try? await store.exists(pairingID: pairingID)) != true {
                                subscription.continuation.finish()
                                return
                            }
                            sinceHeartbeat += tick
                            if sinceHeartbeat >= heartbeat {
                                sinceHeartbeat = .zero
                                subscription.continuation.yield(.heartbeat)
                            }
                        }
                    }
                    // Without cancelOnGracefulShutdown this loop would never end and the server's
                    // graceful shutdown would wait for it forever.
                    for await item in subscription.stream.cancelOnGracefulShutdown() {
                        try await writer.write(ByteBuffer(string: item.encoded()))
                    }
                    group.cancelAll()
                }
            } catch {
                // The page went away (write failed) or the task was cancelled.
                await self.unsubscribe(subscription)
                throw error
            }
            await self.unsubscribe(subscription)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The cursor a reconnecting page sends: the `Last-Event-ID` header (EventSource's own
    /// reconnection) first, else the `lastEventId` query parameter (the page's fresh reconnect).
    /// Anything unparseable counts as none, which gives the page a full snapshot.
    nonisolated static func lastEventID(of request: Request) -> UInt64? {
        if let name = HTTPFields.Element.Name("Last-Event-ID"), let value = request.headers[name] {
            return UInt64(value.trimmingCharacters(in: CharacterSet.whitespaces))
        }
        return request.uri.queryParameters.get("lastEventId").flatMap { UInt64($0) }
    }

    // MARK: Actions

    private nonisolated func actionResponse<Context: RequestContext>(
        request: Request, context: Context, makeAction: (String, TillID) -> TillAction
    ) async -> Response {
        if let refusal = await refusal(request, till: tillID(in: context), html: false) { return refusal }
        guard let till = till(in: context) else { return Self.unknownTill }
        guard let promptID = context.parameters.get("prompt").map(Self.decoded), !promptID.isEmpty else {
            return Self.text(.notFound, "unknown prompt")
        }
        guard Self.isSameOrigin(request) else {
            // Another site's page in the till's browser must not acknowledge prompts.
            return Self.text(.forbidden, "cross-origin request refused")
        }
        switch await perform(makeAction(promptID, till.id)) {
        case .done:
            return Response(status: .noContent)
        case .unknownPrompt:
            return Self.text(.notFound, "unknown prompt (already handled or expired)")
        case .inProgress:
            return Self.text(.conflict, "already being recorded")
        case .notRecorded:
            var response = Self.text(.serviceUnavailable, "could not record the action; the prompt stays, try again")
            response.headers[.retryAfter] = "1"
            return response
        }
    }

    /// One-tap withdrawal: as guarded as acknowledge (this till's pairing, same origin), then
    /// carried out by the consent desk before the page is told it worked.
    private nonisolated func withdrawResponse<Context: RequestContext>(request: Request, context: Context) async -> Response {
        let access = await self.access(request, till: tillID(in: context))
        guard case .allowed(let pairingID) = access else { return Self.refusal(access, html: false) }
        guard let till = till(in: context) else { return Self.unknownTill }
        guard let promptID = context.parameters.get("prompt").map(Self.decoded), !promptID.isEmpty else {
            return Self.text(.notFound, "unknown prompt")
        }
        guard Self.isSameOrigin(request) else { return Self.text(.forbidden, "cross-origin request refused") }
        // Staff confirmed on the page; a script says so explicitly: {"confirm":true} (or confirm=true).
        var request = request
        let body = (try? await request.collectBody(upTo: 4096)).map { String(buffer: $0) } ?? ""
        guard Self.confirmed(body: body, contentType: request.headers[.contentType] ?? "") else {
            return Self.text(.badRequest, "confirm the withdrawal: send {\"confirm\":true}")
        }
        guard let desk = consentDesk.withLock({ $0 }) else {
            return Self.text(.serviceUnavailable, "withdrawal at the till is not available")
        }
        guard let customer = await customer(ofPrompt: promptID, till: till.id) else {
            return Self.text(.notFound, "unknown prompt (already handled or expired), or no consent behind it")
        }
        do {
            try await desk.withdraw(customer: customer, till: till.id, pairing: pairingID)
        } catch {
            // The type only: the description may name the customer.
            logger.warning("withdrawal at the till not finished", metadata: [
                "till": "\(till.id)", "error.type": "\(String(reflecting: type(of: error)))"])
            var response = Self.text(.serviceUnavailable, "the withdrawal is not finished; try again")
            response.headers[.retryAfter] = "1"
            return response
        }
        logger.info("consent withdrawn at the till", metadata: ["till": "\(till.id)"])
        return Response(status: .noContent)
    }

    /// `{"confirm":true}`, or `confirm=true` / `confirm=1` from a form.
    nonisolated static func confirmed(body: String, contentType: String) -> Bool {
        if contentType.contains("application/json") {
            struct Body: Decodable { var confirm: Bool }
            return (try? JSONDecoder().decode(Body.self, from: Data(body.utf8)))?.confirm == true
        }
        return ["true", "1"].contains((try? FormBody(parsing: body))?.first("confirm") ?? "")
    }

    /// A browser sends `Origin` on every POST; when present it must name this server. Clients
    /// that send none (curl, scripts on the gateway) are let through.
    nonisolated static func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let authority = request.head.authority else { return false }
        return origin == "http://\(authority)" || origin == "https://\(authority)"
    }

    // MARK: Pairing and access

    private nonisolated func access(_ request: Request, till: TillID?) async -> TillAccess.Decision {
        await TillAccess.decide(request, till: till, store: pairings)
    }

    /// Nil when the request may go on; else the answer that refuses it.
    private nonisolated func refusal(_ request: Request, till: TillID?, html: Bool) async -> Response? {
        let decision = await access(request, till: till)
        if case .allowed = decision { return nil }
        return Self.refusal(decision, html: html)
    }

    private nonisolated static func refusal(_ decision: TillAccess.Decision, html: Bool) -> Response {
        switch decision {
        case .allowed:
            return text(.ok, "")
        case .unauthorised:
            var response = html ? Self.html(PairPage.notPaired) : text(.unauthorized, "this display is not paired: see /pair")
            response.status = .unauthorized
            response.headers[.wwwAuthenticate] = "Bearer realm=\"welkom till\""
            return response
        case .forbidden:
            return text(.forbidden, "this display is paired with another till")
        case .wrongRole:
            return text(.forbidden, "this display is a desk's customer screen: it shows the customer page only")
        case .unavailable:
            return text(.serviceUnavailable, "pairings cannot be read right now")
        }
    }

    private nonisolated func pairResponse(_ request: Request, client: String) async -> Response {
        guard Self.isSameOrigin(request) else { return Self.text(.forbidden, "cross-origin request refused") }
        let wantsJSON = (request.headers[.accept] ?? "").contains("application/json")
        var request = request
        let body = (try? await request.collectBody(upTo: 4096)).map { String(buffer: $0) } ?? ""
        let code = Self.code(fromBody: body, contentType: request.headers[.contentType] ?? "")
        switch await pair(code: code, client: client) {
        case .paired(let made):
            let cookie = TillAccess.setCookie(till: made.pairing.till, token: made.token, secure: secureCookies,
                                              maxAge: Int(tokenLifetime))
            var response: Response
            if wantsJSON {
                response = Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                                    body: ResponseBody(byteBuffer: ByteBuffer(string:
                                        "{\"till\":\(JSONText.quoted(made.pairing.till)),\"pairing\":\(JSONText.quoted(made.pairing.id)),\"token\":\(JSONText.quoted(made.token))}")))
            } else {
                // A desk display lands on its desk page, a customer screen on the customer page, a till display on its till's.
                let page = made.pairing.role.landingPage(till: HTMLText.pathSegment(made.pairing.till))
                response = Response(status: .seeOther, headers: [.location: page, .cacheControl: "no-store"])
            }
            response.headers[.setCookie] = cookie
            return response
        case .refused:
            return wantsJSON ? Self.text(.unauthorized, "unknown, used or expired code")
                : Self.pairPage(code: nil, message: "Unknown, used or expired code / Onbekende, gebruikte of verlopen code",
                                status: .unauthorized)
        case .tooManyAttempts(let retryAfter):
            var response = wantsJSON ? Self.text(.tooManyRequests, "too many wrong codes; wait \(retryAfter) s")
                : Self.pairPage(code: nil, message: "Too many wrong codes, wait \(retryAfter) s / Te veel foute codes, wacht \(retryAfter) s",
                                status: .tooManyRequests)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .unavailable:
            return Self.text(.serviceUnavailable, "pairing is not available")
        }
    }

    /// `code=…` from a form, or `{"code": "…"}` from a script.
    nonisolated static func code(fromBody body: String, contentType: String) -> String {
        if contentType.contains("application/json") {
            struct Body: Decodable { var code: String }
            return (try? JSONDecoder().decode(Body.self, from: Data(body.utf8)))?.code ?? ""
        }
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "code" {
                return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
        }
        return ""
    }

    private nonisolated static func pairPage(code: String?, message: String?, status: HTTPResponse.Status) -> Response {
        var response = html(PairPage.render(code: code, message: message))
        response.status = status
        // With no-referrer a browser sends `Origin: null` on the form's POST, which the origin
        // check must refuse; same-origin keeps the origin on our own form and sends nothing elsewhere.
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") {
            response.headers[referrerPolicy] = "same-origin"
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        return response
    }

    // MARK: Helpers

    /// The client's IP address, for the pairing limit; "unknown" when the context does not carry
    /// it (the router test framework). Never a forwarded-for header: anyone can write those.
    nonisolated static func clientAddress<Context: RequestContext>(_ context: Context) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Pushes the pairing's expiry out by the token lifetime and, when the page came with its
    /// cookie, sends the cookie again with the new Max-Age.
    private nonisolated func renew(pairingID: String?, till: TillID, request: Request, response: inout Response) async {
        guard let pairingID, let store = pairings else { return }
        let now = Date()
        guard (try? await store.renew(pairingID: pairingID, now: now, until: now.addingTimeInterval(tokenLifetime))) == true else { return }
        if let token = TillAccess.cookies(request)[TillAccess.cookieName(till: till)] {
            response.headers[.setCookie] = TillAccess.setCookie(till: till, token: token, secure: secureCookies,
                                                                maxAge: Int(tokenLifetime))
        }
    }

    private nonisolated func tillID<Context: RequestContext>(in context: Context) -> TillID? {
        context.parameters.get("till").map(Self.decoded)
    }

    private nonisolated var reconnectMilliseconds: Int {
        let (seconds, attoseconds) = reconnectDelay.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    private nonisolated func till<Context: RequestContext>(in context: Context) -> TillInfo? {
        context.parameters.get("till").map(Self.decoded).flatMap { tillsByID[$0] }
    }

    /// Hummingbird hands path parameters over still percent-encoded.
    private nonisolated static func decoded(_ segment: String) -> String {
        segment.removingPercentEncoding ?? segment
    }

    private nonisolated static var unknownTill: Response { text(.notFound, "unknown till") }

    nonisolated static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }

    nonisolated static func html(_ document: String) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .xContentTypeOptions: "nosniff",
        ]
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") {
            headers[referrerPolicy] = "no-referrer"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: document)))
    }
}
