/// `[log]`: what the agent writes to stdout. Logs never hold identifiers of anyone not
/// enrolled, at any level.
public struct LogSettings: Sendable, Equatable {
    /// `format`: logfmt | json. Default logfmt.
    public var format: LogFormat
    /// `level`: trace | debug | info | notice | warning | error | critical. Default info.
    public var level: LogLevel

    public init(format: LogFormat = .logfmt, level: LogLevel = .info) {
        self.format = format
        self.level = level
    }
}

extension LogSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.choice("format", of: LogFormat.self) { format = v }
        if let v = s.choice("level", of: LogLevel.self) { level = v }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("log")
        w.key("format", format.rawValue)
        w.key("level", level.rawValue)
    }
}
