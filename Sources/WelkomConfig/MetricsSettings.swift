/// `[metrics]`: where `/metrics` and `/healthz` are served. On their own address, loopback by
/// default, so the till LAN sees neither (the till pages' listener does not serve them).
public struct MetricsSettings: Sendable, Equatable {
    /// `listen`: HOST:PORT, or "" for no metrics listener. Default "127.0.0.1:9464".
    public var listen: String
    /// The parsed `listen`; nil when it is "".
    public var host: String?
    public var port: Int?

    public init(listen: String = "127.0.0.1:9464") {
        self.listen = listen
        if case .success(let parsed) = TillDisplaySettings.parseListen(listen) {
            (host, port) = (parsed.host, parsed.port)
        }
    }
}

extension MetricsSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.string("listen") {
            if v.isEmpty {
                self = MetricsSettings(listen: "")
            } else {
                switch TillDisplaySettings.parseListen(v) {
                case .success(let parsed):
                    self = MetricsSettings(listen: parsed.listen)
                case .failure(let problem):
                    s.report("listen", problem.message + "; or \"\" for no metrics listener")
                }
            }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("metrics")
        w.key("listen", listen)
    }
}
