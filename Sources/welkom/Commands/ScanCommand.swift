import ArgumentParser
import Foundation
import WelkomCore
import WelkomRadio

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Diagnostics: scan passively and print aggregate counts by frame kind.",
        discussion: """
            Drives the controller exactly as `welkom run` does (reset, passive scanning, duplicate filtering off, \
            extended or legacy commands) and prints counts by frame kind (wlk1, eid, ibeacon, altbeacon, other) and \
            the radio's error counters. Nothing identifying anyone is printed unless --show-identifiers is given. \
            With btsnoop:FILE it plays a capture (btsnoop datalink 1002, 1001, or 2001 as btmon writes it) at its \
            recorded pace; a record whose time goes back by more than a second or jumps ahead by more than 5 minutes \
            is named and played without waiting. Exit codes: 0 done, 64 usage, 65 the capture is damaged or no capture (what and which \
            record on stderr), 66 the capture cannot be opened, 69 the controller cannot be opened or was never set up \
            to scan (the reason on stderr: an adapter that is down, absent or busy), 74 the recording cannot be written.
            """)

    @Option(help: ArgumentHelp("The HCI transport: hciN, serial:/dev/ttyACM0[@BAUD], tcp:HOST:PORT or btsnoop:FILE[@hciN].",
                               valueName: "SPEC"))
    var hci: String
    @Option(help: ArgumentHelp("How long to scan.", valueName: "N")) var seconds: Double = 10
    @Option(help: ArgumentHelp("Also write the HCI traffic to this btsnoop file (mode 0600); it holds everyone's advertisements.",
                               valueName: "FILE.btsnoop"))
    var record: String?
    @Option(help: ArgumentHelp("How --record writes: h4 (btsnoop datalink 1002) or monitor (2001, as btmon -w writes it on Linux).",
                               valueName: "h4|monitor"))
    var recordFormat: String = BtsnoopFormat.h4.rawValue
    @Option(help: ArgumentHelp("With btsnoop:FILE, the controller to play from a capture of several (btmon's index: N or hciN).",
                               valueName: "N"))
    var index: String?
    @Flag(help: "Print each report's address and identifier. This processes personal data of everyone nearby.")
    var showIdentifiers = false
    @Option(help: ArgumentHelp("RTS/CTS flow control on serial transports: on or off.", valueName: "on|off"))
    var flowControl: String = "on"
    @Option(help: ArgumentHelp("How hciN is opened: raw, user or raw-then-user.", valueName: "CHANNEL"))
    var kernelChannel: String = KernelSocketChannel.raw.rawValue

    func validate() throws {
        guard seconds > 0, seconds <= 86_400 else { throw ValidationError("--seconds: a number of seconds from 0 to 86400") }
        guard ["on", "off"].contains(flowControl) else { throw ValidationError("--flow-control: on or off") }
        guard KernelSocketChannel(rawValue: kernelChannel) != nil else {
            throw ValidationError("--kernel-channel: one of \(KernelSocketChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        do { _ = try TransportSpec(parsing: hci) } catch { throw ValidationError("--hci: \(error)") }
        guard BtsnoopFormat(rawValue: recordFormat) != nil else { throw ValidationError("--record-format: h4 or monitor") }
        _ = try spec()
    }

    /// `--hci`, with `--index` folded into a btsnoop spec.
    func spec() throws -> TransportSpec {
        let spec = try TransportSpec(parsing: hci)
        guard let index else { return spec }
        guard case .btsnoop(let path, let inSpec) = spec else { throw ValidationError("--index: only with --hci btsnoop:FILE") }
        guard let n = controllerIndex(index) else { throw ValidationError("--index: a controller index, N or hciN (as btmon names them)") }
        if let inSpec, inSpec != n { throw ValidationError("--index \(index) and --hci …@hci\(inSpec) name different controllers") }
        return .btsnoop(path: path, index: n)
    }

    func run() async throws {
        let spec = try spec()
        let logger = bootstrapLogging(level: "warning", toStdout: false)
        if showIdentifiers {
            printError("warning: --show-identifiers prints the addresses and identifiers of every device in range, including "
                       + "people who never opted in: this processes personal data. Use it only for diagnostics, and do not keep the output.")
        }
        // A capture that cannot be played is said before anything is scanned (no summary of nothing).
        if case .btsnoop(let path, let index) = spec {
            do { _ = try BtsnoopReader(path: path, index: index) } catch {
                printError("scan: \(error)")
                if case .cannotOpen = error { throw Exit.noInput }
                throw Exit.dataError
            }
        }
        var recorder: BtsnoopWriter?
        if let record {
            // A monitor capture names the controller as Linux would: hciN for a kernel adapter.
            let format = BtsnoopFormat(rawValue: recordFormat) ?? .h4
            var index: UInt16 = 0, bus: UInt8 = 0
            switch spec {
            case .kernel(let n): index = n
            case .serial: bus = 3  // BlueZ's number for a UART
            default: break
            }
            do { recorder = try BtsnoopWriter(path: record, format: format, controllerIndex: index, bus: bus) } catch {
                printError("\(error)")
                throw Exit.ioError
            }
            printError("note: recording every advertisement heard to \(record); delete it when done")
        }
        let options = TransportOptions(flowControl: flowControl == "on", kernelChannel: KernelSocketChannel(rawValue: kernelChannel) ?? .raw)
        let source = RadioSource(spec: spec, logger: logger, recorder: recorder, options: options)
        let tally = ScanTally(showIdentifiers: showIdentifiers)
        let scanning = Task { try await source.run { await tally.add($0) } }
        // Ctrl-C ends the scan early, with the summary.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        let (interrupted, interruptContinuation) = AsyncStream<Void>.makeStream()
        interrupt.setEventHandler { interruptContinuation.yield() }
        interrupt.resume()
        let started = ContinuousClock.now
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                do { try await scanning.value; return nil } catch { return error }
            }
            group.addTask { [seconds] in
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            group.addTask {
                for await _ in interrupted { break }
                return nil
            }
            let first = await group.next() ?? nil
            scanning.cancel()
            interruptContinuation.finish()
            group.cancelAll()
            var error = first
            for await e in group where error == nil { error = e }
            return error
        }
        interrupt.cancel()
        recorder?.close()
        let elapsed = ContinuousClock.now - started
        let summary = await tally.summary(stats: source.stats, mode: source.lastScanMode, elapsed: elapsed, transport: spec.description)
        print(summary)
        if let failure = failure as? BtsnoopError {
            // Not the controller: the capture. Exit 66 when it cannot be opened, else 65.
            printError("scan: \(failure)")
            if case .cannotOpen = failure { throw Exit.noInput }
            throw Exit.dataError
        }
        if let failure {
            printError("\(failure)")
            throw ExitCode(69)  // EX_UNAVAILABLE: the controller cannot be used
        }
        let damage = source.captureDamage
        if !damage.isEmpty {
            // Each problem was logged as it was met, with its record number.
            printError("scan: the capture is damaged: \(damage.count) problem\(damage.count == 1 ? "" : "s"), named above; exit 65")
            throw Exit.dataError
        }
        // Reopening until the time ran out without ever scanning (an adapter that is down, absent or
        // busy) heard nothing because nothing was listening: that is a failure, with the reason.
        if source.lastScanMode == nil {
            printError("scan: \(spec) was never scanned: \(source.lastError ?? "the controller did not answer")")
            throw ExitCode(69)
        }
    }
}

/// btmon's spelling of a controller: "N" or "hciN".
func controllerIndex(_ text: String) -> UInt16? {
    UInt16(text.hasPrefix("hci") ? String(text.dropFirst(3)) : text)
}

/// Counts by frame kind; identifiers printed as they come only when asked.
actor ScanTally {
    let showIdentifiers: Bool
    private var kinds: [String: Int] = [:]
    private var reports = 0

    init(showIdentifiers: Bool) { self.showIdentifiers = showIdentifiers }

    func add(_ sighting: Sighting) {
        reports += 1
        kinds[sighting.evidence.kind, default: 0] += 1
        guard showIdentifiers else { return }
        let identifier: String
        switch sighting.evidence {
        case let .wlk1(company, token): identifier = "company=0x\(String(company, radix: 16)) token=\(token.hex)"
        case let .eid(eid): identifier = "eid=\(String(eid, radix: 16))"
        case let .staticIdentifier(id): identifier = "id=\(id.canonical)"
        case .card, .other: identifier = "-"
        }
        let address = sighting.address.map { "\($0.formatted)\($0.isRandom ? "(random)" : "(public)")" } ?? "-"
        print("\(sighting.time.rfc3339) \(sighting.evidence.kind) rssi=\(sighting.rssi.map(String.init) ?? "-") address=\(address) \(identifier)")
    }

    func summary(stats: RadioStats, mode: RadioScanMode?, elapsed: Duration, transport: String) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let order = ["wlk1", "eid", "ibeacon", "altbeacon", "address", "other"]
        let named = order.map { "\($0) \(kinds[$0] ?? 0)" } + kinds.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(kinds[$0] ?? 0)" }
        return "scan: \(transport), \(String(format: "%.1f", seconds)) s, \(reports) advertising reports "
            + "(\(String(format: "%.0f", Double(reports) / max(seconds, 0.001))) per second): " + named.joined(separator: ", ")
            + "; framing errors \(stats.framingErrors), malformed reports \(stats.malformedReports + stats.malformedAdvertisingData), "
            + "reopens \(stats.transportReopens), controller resets \(stats.controllerResets)"
            + (mode.map { "; last scan mode \($0.rawValue)" } ?? "")
    }
}
