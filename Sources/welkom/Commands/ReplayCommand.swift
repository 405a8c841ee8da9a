import ArgumentParser
import Foundation
import Synchronization
import WelkomAgent
import WelkomConfig
import Logging
import WelkomCore
import WelkomPolicy
import WelkomRadio
import WelkomRecogniser
import WelkomRegistry
import WelkomZones

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run btsnoop captures through the recogniser and till zones, with the captures' timestamps as the clock.",
        discussion: """
            stdout: one JSON object per recognition and nothing for anyone else: \
            {"time":…,"customer":…,"scheme":…,"till":…,"rssi":…}. With [[zone]] entries in the config, \
            "till" is the till of the zone the customer stands in, as `welkom run` routes prompts \
            (null while they are in none yet); without zones it is null. stderr: a summary with \
            aggregate counts only. Writes nothing: neither the ledger nor the registry changes. \
            Several captures (one per receiver, as radio.record writes them) are replayed together \
            in time order; each is the receiver whose radio.record file it is, else [radio] name, \
            unless --receiver names them.
            """)

    @Argument(help: ArgumentHelp("btsnoop captures (datalink 1002 or 1001, or 2001 as btmon writes it on Linux), one per receiver.",
                                 valueName: "CAPTURE.btsnoop"))
    var captures: [String]
    @OptionGroup var data: DataOption
    @Option(help: ArgumentHelp("The config (recognition settings, zones); default: embedded defaults, recognition off.", valueName: "PATH"))
    var config: String?
    @Option(name: .customLong("receiver"),
            help: ArgumentHelp("The receiver each capture came from, for [[zone]] receiver; once per capture, in order.", valueName: "NAME"))
    var receivers: [String] = []
    @Option(help: "jsonl.") var format: String = "jsonl"
    @Option(help: ArgumentHelp("The controller to replay from a btmon capture of several (btmon's index: N or hciN); applies to every capture.",
                               valueName: "N"))
    var index: String?

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format: only jsonl") }
        guard !captures.isEmpty else { throw ValidationError("give at least one capture") }
        guard receivers.isEmpty || receivers.count == captures.count else {
            throw ValidationError("--receiver: give one per capture (\(captures.count) captures, \(receivers.count) receivers)")
        }
        if let index, controllerIndex(index) == nil {
            throw ValidationError("--index: a controller index, N or hciN (as btmon names them)")
        }
    }

    func run() async throws {
        let (cfg, _) = try loadConfig(path: config)
        if !cfg.recognitionActive { cfg.startupNotices.forEach { printError("note: \($0)") } }
        let registry = try ConsentRegistry(dataDirectory: data.existing())
        let names = try receiverNames(cfg.radio)
        let sightings: MergedCaptures
        let firstTime: Date?
        do {
            sightings = try MergedCaptures(zip(captures, names).map { MergedCaptures.Capture(path: $0, receiver: $1, index: index.flatMap(controllerIndex)) })
            firstTime = try sightings.firstSightingTime()
        } catch {
            printError("\(error)")  // BtsnoopError names the file itself
            throw Exit.dataError
        }

        // The same pipeline as `welkom run`, with no ledger and no tills: each recognition, routed
        // through the zones on the capture's clock, is printed as it is made. Every recognition is
        // printed, also before the customer is in a zone (till null then), although `run` shows no
        // prompt until they are: replay reports what the recogniser matched, as `run` counts it in
        // welkom_recognitions_total, and the nulls show the dwell and margins at work.
        let output = RecognitionLines(zoned: !cfg.zones.zones.isEmpty)
        let pipeline = Pipeline(
            recogniser: Recogniser(settings: StageSettings.recogniser(cfg), pepper: registry.pepper),
            policy: Policy(settings: .init()), ledger: nil, registry: nil, metrics: AgentMetrics(),
            logger: Logger(label: "welkom.replay") { _ in SwiftLogNoOpLogHandler() },
            zones: StageSettings.zoneTracker(cfg.zones), onRecognition: output.write, onEvent: { _ in })
        // Expiry is checked against each sighting's own time, so load every consent on record.
        let snapshot = try await registry.snapshot(at: .distantPast)
        await pipeline.load(snapshot, at: firstTime ?? Date())
        do {
            try await pipeline.run(batches: sightings.batches(), sweepInterval: AgentRuntime.sweepIntervalSeconds)
        } catch {
            output.flush()
            printError("\(error)")
            throw Exit.dataError
        }
        output.flush()
        let totals = sightings.totals.value, stats = totals.stats, counts = output.counts
        let reports = stats.wlk1Reports + stats.eidReports + stats.staticReports + stats.otherReports
        printError("replay: \(totals.records) records, \(reports) advertising reports "
                   + "(wlk1 \(stats.wlk1Reports), eid \(stats.eidReports), static \(stats.staticReports), other \(stats.otherReports)), \(counts.recognised) recognised, "
                   + "\(reports - counts.recognised) not matched; framing errors \(stats.framingErrors), "
                   + "malformed reports \(stats.malformedReports)"
                   + (cfg.zones.zones.isEmpty ? "" : "; \(cfg.zones.zones.count) zones, \(counts.inZone) recognitions in a zone")
                   + (totals.endedInPartialRecord.isEmpty ? "" : totals.endedInPartialRecord.count == 1 && captures.count == 1
                      ? "; the capture ends in a partial record"
                      : "; these captures end in a partial record: \(totals.endedInPartialRecord.joined(separator: ", "))"))
    }

    /// The receiver each capture replays as: `--receiver`, else the receiver whose `radio.record`
    /// file it is, else `[radio] name`. Two captures as one receiver would mix two controllers'
    /// RSSI in one filter, so that is refused.
    func receiverNames(_ radio: RadioSettings) throws -> [String] {
        let names = receivers.isEmpty ? captures.map { capture in
            radio.allReceivers.first { receiver in
                radio.recordPath(forReceiver: receiver.name).map { Self.samePath($0, capture) } ?? false
            }?.name ?? radio.name
        } : receivers
        var seen: [String: String] = [:]
        for (capture, name) in zip(captures, names) {
            if let other = seen[name] {
                printError("\(other) and \(capture) would both replay as receiver \(jsonQuote(name)); name each capture's receiver with --receiver")
                throw Exit.usage
            }
            seen[name] = capture
        }
        return names
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// Replay's stdout: one JSON object per recognition, written through a buffer (a capture can hold
/// millions), with the counts for the summary.
final class RecognitionLines: Sendable {
    struct Counts { var recognised = 0, inZone = 0 }
    private struct State {
        var buffer: [UInt8] = []
        var counts = Counts()
    }
    private let state = Mutex(State())
    let zoned: Bool

    init(zoned: Bool) { self.zoned = zoned }

    var counts: Counts { state.withLock { $0.counts } }

    @Sendable func write(_ r: Recognition) {
        let full = state.withLock { s -> Bool in
            // The keys in the order docs/contract.md gives them; absent values as null.
            var o = JSONObjectWriter()
            // RFC 3339 with milliseconds by integer arithmetic: even one cached ISO8601DateFormatter
            // (ICU underneath) was 3% of a replay's time.
            o.add("time", UTCTimestamp.rfc3339(milliseconds: UTCTimestamp.milliseconds(r.time)))
            o.add("customer", r.customer)
            o.add("scheme", r.scheme.rawValue)
            o.add("till", r.till)
            o.add("rssi", r.rssi)
            let line = o.line + "\n"
            s.counts.recognised += 1
            if zoned && r.till != nil { s.counts.inZone += 1 }
            s.buffer += line.utf8
            return s.buffer.count >= 1 << 16
        }
        if full { flush() }
    }

    func flush() {
        let bytes = state.withLock { s -> [UInt8] in defer { s.buffer.removeAll(keepingCapacity: true) }; return s.buffer }
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes))
    }
}
