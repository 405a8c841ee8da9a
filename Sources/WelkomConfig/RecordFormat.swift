/// `[radio] record_format`: how `record` writes the capture.
public enum RecordFormat: String, Sendable, CaseIterable {
    /// btsnoop datalink 1002: one controller's H4 stream, as Welkom has always written it.
    case h4
    /// btsnoop datalink 2001, BlueZ's monitor format: what `btmon -w` writes on Linux, so the
    /// capture reads in `btmon -r` like the admin's own.
    case monitor
}
