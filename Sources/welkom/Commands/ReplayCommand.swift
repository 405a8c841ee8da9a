import ArgumentParser
import Foundation
import WelkomAgent
import WelkomConfig
import WelkomCore
import WelkomRadio
import WelkomRecogniser
import WelkomRegistry
import WelkomZones

struct ReplayCommand: ParsableCommand {
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

    @Argument(help: ArgumentHelp("btsnoop captures of H4 traffic (datalink 1002), one per receiver.", valueName: "CAPTURE.btsnoop"))
    var captures: [String]
    @OptionGroup var data: DataOption
    @Option(help: ArgumentHelp("The config (recognition settings, zones); default: embedded defaults, recognition off.", valueName: "PATH"))
    var config: String?
    @Option(name: .customLong("receiver"),
            help: ArgumentHelp("The receiver each capture came from, for [[zone]] receiver; once per capture, in order.", valueName: "NAME"))
    var receivers: [String] = []
    @Option(help: "jsonl.") var format: String = "jsonl"

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format: only jsonl") }
        guard !captures.isEmpty else { throw ValidationError("give at least one capture") }
        guard receivers.isEmpty || receivers.count == captures.count else {
            throw ValidationError("--receiver: give one per capture (\(captures.count) captures, \(receivers.count) receivers)")
        }
    }

    func run() throws {
        let (cfg, _) = try loadConfig(path: config)
        if !cfg.recognitionActive { cfg.startupNotices.forEach { printError("note: \($0)") } }
        let registry = try ConsentRegistry(dataDirectory: data.existing())
        let names = try receiverNames(cfg.radio)

        // Each capture's sightings, named for its receiver, merged in time order (ties keep file order).
        var tagged: [(sighting: Sighting, capture: Int, index: Int)] = []
        var stats = RadioStats(), records = 0, partial: [String] = []
        for (c, capture) in captures.enumerated() {
            let result: CaptureReplayResult
            do { result = try CaptureReplay.sightings(inCapture: capture) } catch {
                printError("\(error)")  // BtsnoopError names the file itself
                throw Exit.dataError
            }
            for (i, var sighting) in result.sightings.enumerated() {
                sighting.receiver = names[c]
                tagged.append((sighting, c, i))
            }
            stats = stats + result.stats
            records += result.records
            if result.endedInPartialRecord { partial.append(capture) }
        }
        tagged.sort { ($0.sighting.time, $0.capture, $0.index) < ($1.sighting.time, $1.capture, $1.index) }
        let sightings = tagged.map(\.sighting)

        var recogniser = Recogniser(
            settings: RecogniserSettings(enabled: cfg.recognitionActive, companyID: cfg.recognition.companyID,
                                         skewWindows: cfg.recognition.skewWindows,
                                         allowStaticIdentifiers: cfg.recognition.allowStaticIdentifiers,
                                         rpaFalseMatchBound: cfg.recognition.rpaFalseMatchBound),
            pepper: registry.pepper)
        // Expiry is checked against each sighting's own time, so load every consent on record.
        recogniser.load(try registry.activeKeys(at: .distantPast), at: sightings.first?.time ?? Date())
        // The same zones, tuning and logic as `welkom run` (Pipeline.handle), on the capture's clock.
        var zones = AgentRuntime.zoneTracker(cfg.zones)
        var lastSweep = sightings.first?.time
        var recognised = 0, inZone = 0
        for sighting in sightings {
            if let last = lastSweep, sighting.time.timeIntervalSince(last) >= AgentRuntime.sweepIntervalSeconds {
                zones?.sweep(now: sighting.time)
                lastSweep = sighting.time
            }
            guard var r = recogniser.recognise(sighting) else { continue }
            recognised += 1
            // Decision: every recognition is printed, also before the customer is in a zone (till
            // null then), although `run` shows no prompt until they are. Replay reports what the
            // recogniser matched ("one object per recognition", as `run` counts it in
            // welkom_recognitions_total), and the nulls show the dwell and margins at work.
            if sighting.source == .radio, zones != nil {
                r.till = zones?.observe(customer: r.customer, receiver: sighting.receiver, rssi: sighting.rssi, at: r.time)
                if r.till != nil { inZone += 1 }
            }
            print("{\"time\":\(jsonQuote(r.time.rfc3339)),\"customer\":\(jsonQuote(r.customer)),\"scheme\":\"\(r.scheme.rawValue)\","
                  + "\"till\":\(jsonQuote(r.till)),\"rssi\":\(r.rssi.map(String.init) ?? "null")}")
        }
        printError("replay: \(records) records, \(sightings.count) advertising reports "
                   + "(wlk1 \(stats.wlk1Reports), eid \(stats.eidReports), static \(stats.staticReports), other \(stats.otherReports)), \(recognised) recognised, "
                   + "\(sightings.count - recognised) not matched; framing errors \(stats.framingErrors), "
                   + "malformed reports \(stats.malformedReports)"
                   + (zones.map { "; \($0.zones.count) zones, \(inZone) recognitions in a zone" } ?? "")
                   + (partial.isEmpty ? "" : partial.count == 1 && captures.count == 1
                      ? "; the capture ends in a partial record"
                      : "; these captures end in a partial record: \(partial.joined(separator: ", "))"))
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
