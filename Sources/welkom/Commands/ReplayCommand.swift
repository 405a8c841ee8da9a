import ArgumentParser
import Foundation
import WelkomConfig
import WelkomCore
import WelkomRadio
import WelkomRecogniser
import WelkomRegistry

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a btsnoop capture through the recogniser, with the capture's timestamps as the clock.",
        discussion: """
            stdout: one JSON object per recognition and nothing for anyone else: \
            {"time":…,"customer":…,"scheme":…,"till":…,"rssi":…}. stderr: a summary with aggregate counts only. \
            Writes nothing: neither the ledger nor the registry changes.
            """)

    @Argument(help: ArgumentHelp("A btsnoop capture of H4 traffic (datalink 1002).", valueName: "CAPTURE.btsnoop"))
    var capture: String
    @OptionGroup var data: DataOption
    @Option(help: ArgumentHelp("The config (recognition settings); default: embedded defaults, recognition off.", valueName: "PATH"))
    var config: String?
    @Option(help: "jsonl.") var format: String = "jsonl"

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format: only jsonl") }
    }

    func run() throws {
        let (cfg, _) = try loadConfig(path: config)
        if !cfg.recognitionActive { cfg.startupNotices.forEach { printError("note: \($0)") } }
        let registry = try ConsentRegistry(dataDirectory: data.existing())
        let result: CaptureReplayResult
        do { result = try CaptureReplay.sightings(inCapture: capture) } catch {
            printError("\(error)")  // BtsnoopError names the file itself
            throw Exit.dataError
        }
        var recogniser = Recogniser(
            settings: RecogniserSettings(enabled: cfg.recognitionActive, companyID: cfg.recognition.companyID,
                                         skewWindows: cfg.recognition.skewWindows,
                                         allowStaticIdentifiers: cfg.recognition.allowStaticIdentifiers,
                                         rpaFalseMatchBound: cfg.recognition.rpaFalseMatchBound),
            pepper: registry.pepper)
        // Expiry is checked against each sighting's own time, so load every consent on record.
        recogniser.load(try registry.activeKeys(at: .distantPast), at: result.sightings.first?.time ?? Date())
        var recognised = 0
        for sighting in result.sightings {
            guard let r = recogniser.recognise(sighting) else { continue }
            recognised += 1
            print("{\"time\":\(jsonQuote(r.time.rfc3339)),\"customer\":\(jsonQuote(r.customer)),\"scheme\":\"\(r.scheme.rawValue)\","
                  + "\"till\":\(jsonQuote(r.till)),\"rssi\":\(r.rssi.map(String.init) ?? "null")}")
        }
        printError("replay: \(result.records) records, \(result.sightings.count) advertising reports "
                   + "(wlk1 \(result.stats.wlk1Reports), other \(result.stats.otherReports)), \(recognised) recognised, "
                   + "\(result.sightings.count - recognised) not matched; framing errors \(result.stats.framingErrors), "
                   + "malformed reports \(result.stats.malformedReports)"
                   + (result.endedInPartialRecord ? "; the capture ends in a partial record" : ""))
    }
}
