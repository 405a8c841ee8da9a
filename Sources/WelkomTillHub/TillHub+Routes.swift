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
    /// | `GET /healthz` | 200 `ok` |
    /// | `GET /till/{id}` | the till display page; 404 for an unknown till |
    /// | `GET /till/{id}/events` | `text/event-stream`: `reset` + active prompts (or, with `Last-Event-ID`, what was missed), then `prompt` / `remove` events and a heartbeat comment |
    /// | `POST /till/{id}/prompts/{promptID}/ack` | acknowledge: 204, 404 unknown, 409 already being recorded, 503 not recorded (prompt stays) |
    /// | `POST /till/{id}/prompts/{promptID}/dismiss` | dismiss: same answers |
    ///
    /// The agent adds its own routes (e.g. `/metrics`) to the same router and builds the `Application`.
    public nonisolated func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/") { _, _ in
            Self.html(TillIndexPage.render(tills: self.tills))
        }
        router.get("/healthz") { _, _ in
            Self.text(.ok, "ok")
        }
        router.get("/till/{till}") { _, context in
            guard let till = self.till(in: context) else { return Self.unknownTill }
            var response = Self.html(TillPage.render(till: till, reconnectMilliseconds: self.reconnectMilliseconds))
            // The page loads nothing from elsewhere; say so, so a browser refuses if it ever tried.
            response.headers[.contentSecurityPolicy] =
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            return response
        }
        router.get("/till/{till}/events") { request, context in
            guard let till = self.till(in: context) else { return Self.unknownTill }
            return self.eventStream(till: till.id, lastEventID: Self.lastEventID(of: request))
        }
        router.post("/till/{till}/prompts/{prompt}/ack") { request, context in
            await self.actionResponse(request: request, context: context) { .acknowledge(promptID: $0, till: $1) }
        }
        router.post("/till/{till}/prompts/{prompt}/dismiss") { request, context in
            await self.actionResponse(request: request, context: context) { .dismiss(promptID: $0, till: $1) }
        }
    }

    // MARK: Server-Sent Events

    private nonisolated func eventStream(till: TillID, lastEventID: UInt64?) -> Response {
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
                        while true {
                            try await Task.sleep(for: heartbeat)
                            subscription.continuation.yield(.heartbeat)
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

    /// A browser sends `Origin` on every POST; when present it must name this server. Clients
    /// that send none (curl, scripts on the gateway) are let through.
    nonisolated static func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let authority = request.head.authority else { return false }
        return origin == "http://\(authority)" || origin == "https://\(authority)"
    }

    // MARK: Helpers

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

    private nonisolated static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }

    private nonisolated static func html(_ document: String) -> Response {
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
