import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import WelkomConfig
import WelkomTillHub

/// The agent's two HTTP listeners as one service: the till pages on `till_display.listen`, and
/// `/metrics` and `/healthz` on `metrics.listen` (loopback by default), so the till LAN sees
/// neither. The metrics listener failing to bind (the port taken) is logged and the till pages
/// carry on: the shop's tills matter more than its monitoring.
struct AgentHTTPServers: Service {
    let till: any Service
    let metrics: (any Service)?
    let metricsListen: String
    let logger: Logger

    static func make(runtime: AgentRuntime, sources: [any SightingSource], health: SourceHealth) throws -> AgentHTTPServers {
        let config = runtime.config
        let logger = runtime.logger
        if let warning = TillDisplayServer.plainHTTPWarning(config.tillDisplay) {
            logger.warning("\(warning)")
        }
        let rules = TillDisplayServer.rules(config.tillDisplay)
        let router = Router(context: TillRequestContext.self)
        runtime.hub.addRoutes(to: router)
        let till = Application(
            router: router,
            server: try TillDisplayServer.builder(config.tillDisplay, rules: rules),
            configuration: .init(address: .hostname(config.tillDisplay.host, port: config.tillDisplay.port),
                                 serverName: "welkom"),
            logger: logger)
        var metricsApp: (any Service)?
        if let host = config.metrics.host, let port = config.metrics.port {
            metricsApp = makeMetrics(host: host, port: port, runtime: runtime, sources: sources, health: health)
        }
        return AgentHTTPServers(till: till, metrics: metricsApp, metricsListen: config.metrics.listen, logger: logger)
    }

    private static func makeMetrics(host: String, port: Int, runtime: AgentRuntime, sources: [any SightingSource],
                                    health: SourceHealth) -> any Service {
        let router = Router(context: TillRequestContext.self)
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        router.add(middleware: MetricsHostCheck(hosts: HostAllowList(configured: [], listenHost: host, loopback: loopback)))
        TillHub.addHealthRoute(to: router, health: { health.report() })
        let metrics = runtime.metrics
        router.get("/metrics") { _, _ -> Response in
            // The sources running now, and what those a reload stopped had counted (SourceHealth).
            metrics.publish(health.totals())
            return Response(status: .ok,
                            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        // A scraper and a health check or two: small caps, the same timeouts.
        let rules = ConnectionRules(limiter: ConnectionLimiter(maxTotal: 64, maxPerClient: 16))
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in rules.gated(HTTP1Channel(responder: responder, configuration: rules.http1Configuration)) },
            configuration: .init(address: .hostname(host, port: port), serverName: "welkom"),
            logger: runtime.logger)
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let metrics {
                let logger = self.logger
                let listen = metricsListen
                group.addTask {
                    do {
                        try await metrics.run()
                    } catch {
                        logger.error("metrics.listen \(listen): cannot serve /metrics and /healthz (\(error)); the till pages carry on without them")
                    }
                }
            }
            try await till.run()
            group.cancelAll()
        }
    }
}

/// The metrics listener's Host check (DNS rebinding), the same rule as the till pages'.
struct MetricsHostCheck<Context: RequestContext>: RouterMiddleware {
    let hosts: HostAllowList

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.check(request.head.authority) == .allowed else {
            return Response(status: HTTPResponse.Status(code: 421, reasonPhrase: "Misdirected Request"))
        }
        return try await next(request, context)
    }
}
