/// How a recording is written (`--record-format`, `radio.record_format`): `h4` is btsnoop
/// datalink 1002, one controller's H4 stream as Welkom has always written it; `monitor` is
/// datalink 2001, BlueZ's monitor format as `btmon -w` writes it on Linux, which `btmon -r`
/// shows with the controller's name. Wireshark and `welkom replay` read both.
public enum BtsnoopFormat: String, Sendable, CaseIterable {
    case h4
    case monitor

    public var datalink: UInt32 {
        switch self {
        case .h4: BtsnoopReader.datalinkH4
        case .monitor: BtsnoopReader.datalinkMonitor
        }
    }
}
