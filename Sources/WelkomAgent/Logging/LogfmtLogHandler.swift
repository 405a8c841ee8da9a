import Logging
import WelkomCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Log lines for journald: logfmt (`time=… level=info msg="…" key=value`) or JSON lines.
/// Written by hand because swift-log ships only its own human format, and the few lines
/// here are cheaper than another dependency. Callers must never put an identifier of an
/// unmatched sighting into a message or metadata (docs/privacy-invariants.md, invariant 2).
public struct LogfmtLogHandler: LogHandler {
    public enum Format: String, Sendable { case logfmt, json }
    public enum Stream: Sendable { case stdout, stderr }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let stream: Stream

    public init(label: String, format: Format, level: Logger.Level, stream: Stream) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.stream = stream
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Self.timestamp()), ("level", event.level.rawValue), ("logger", label), ("msg", event.message.description),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() { fields.append((key, "\(merged[key]!)")) }
        let line: String
        switch format {
        case .logfmt: line = fields.map { "\($0.0)=\(Self.logfmtValue($0.1))" }.joined(separator: " ")
        case .json: line = "{" + fields.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }.joined(separator: ",") + "}"
        }
        let bytes = Array((line + "\n").utf8)
        // One write(2) per line so concurrent lines never interleave mid-line.
        _ = bytes.withUnsafeBytes { write(stream == .stdout ? 1 : 2, $0.baseAddress, $0.count) }
    }

    /// Now, RFC 3339 with milliseconds. By integer arithmetic (UTCTimestamp): a formatter built
    /// per line goes through ICU and cost more than the rest of the line.
    static func timestamp() -> String {
        UTCTimestamp.rfc3339(milliseconds: UTCTimestamp.milliseconds(Date()))
    }

    static func logfmtValue(_ s: String) -> String {
        let needsQuotes = s.isEmpty || s.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" }
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    static func jsonString(_ s: String) -> String { JSONText.quoted(s) }
}

