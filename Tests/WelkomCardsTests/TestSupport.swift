import Foundation
import Logging
import Synchronization
import WelkomCore

/// Everything a test's logger was given, so a test can prove what was and was not logged.
final class LogCapture: Sendable {
    struct Entry {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
        /// The whole line as a log sink would print it.
        var text: String { "\(level) \(message) \(metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
    }

    private let stored = Mutex<[Entry]>([])

    var entries: [Entry] {
        stored.withLock { $0 }
    }

    func append(_ entry: Entry) {
        stored.withLock { $0.append(entry) }
    }

    func count(_ message: String) -> Int { entries.filter { $0.message == message }.count }

    var logger: Logger {
        var logger = Logger(label: "welkom.cards.test") { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(.init(level: event.level, message: "\(event.message)",
                             metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}

struct FixedClock: WelkomClock {
    let date: Date
    func now() -> Date { date }
}

/// Polls `condition` until it holds or `seconds` pass.
func eventually(seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Every sighting a source delivered, safe to read from the test while the source runs.
final class Sightings: Sendable {
    private let stored = Mutex<[Sighting]>([])
    var all: [Sighting] { stored.withLock { $0 } }
    func append(_ s: Sighting) { stored.withLock { $0.append(s) } }
    var numbers: [String] {
        all.map { if case .card(let n) = $0.evidence { n } else { "not a card" } }
    }
}
