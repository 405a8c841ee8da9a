import Hummingbird

/// Refuses a request whose `Host` is not on the allow-list before any route sees it: 400
/// without a Host, 421 Misdirected Request for a name the agent does not go by (DNS rebinding).
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: HostAllowList

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch hosts.check(request.head.authority) {
        case .allowed:
            return try await next(request, context)
        case .missing:
            return Self.text(.badRequest, "a Host header is required")
        case .refused:
            return Self.text(HTTPResponse.Status(code: 421, reasonPhrase: "Misdirected Request"),
                             "this server does not answer to that host name; add it to till_display.hosts")
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }
}
