/// `[data]`: where the agent keeps everything (consent registry, ledger, key files).
public struct DataSettings: Sendable, Equatable {
    /// `dir`: an absolute path. Default `/var/lib/welkom` (systemd's StateDirectory=welkom).
    public var dir: String

    public init(dir: String = "/var/lib/welkom") {
        self.dir = dir
    }
}

extension DataSettings {
    init(reading s: inout ConfigSection) {
        self.init()
        if let v = s.string("dir") {
            if v.hasPrefix("/") {
                dir = v
            } else {
                s.report("dir", "expected an absolute path (such as /var/lib/welkom), found \(TOMLWriter.quoted(v))")
            }
        }
        s.finish()
    }

    func render(into w: inout TOMLWriter) {
        w.table("data")
        w.key("dir", dir)
    }
}
