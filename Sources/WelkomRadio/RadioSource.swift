import Foundation
import Logging
import Synchronization
import WelkomCore

/// The radio source: drives a BLE controller as a passive scanner and turns every advertising
/// report into a `Sighting` (transport → H4 → HCI → reports → AD structures → evidence).
///
/// `run` opens the transport, resets the controller (skipping whatever half-packet a mid-stream
/// attach sees), sets the event masks, reads the LE features, and scans passively with duplicate
/// filtering off: extended scanning where the controller supports LE Extended Advertising,
/// legacy otherwise. If the transport closes or the controller misbehaves it logs that and
/// reopens with backoff (0.5 s doubling to 10 s); it returns when its task is cancelled.
/// With a `btsnoop:` spec it replays the capture at its recorded pace, the records' timestamps
/// as sighting times, and returns at the end of the capture.
///
/// Logs carry kinds, counts, statuses and the transport's name, never addresses or payloads.
public final class RadioSource: Sendable {
    public let spec: TransportSpec
    /// The receiver's name from the config, stamped on every sighting (till zones); nil for none.
    public let receiver: String?
    public let options: TransportOptions
    private let logger: Logger
    private let clock: any WelkomClock
    private let recorder: BtsnoopWriter?
    /// A scanning controller silent for this long is set up again (nil: never). A busy shop is
    /// never silent for a minute; a closed one costs a reset a minute, which is harmless.
    let silenceLimit: Duration?
    public static let defaultSilenceLimit: Duration = .seconds(60)
    private let counter = RadioStatsCounter()
    private let modeBox = ModeBox()
    private let damage = Mutex<[String]>([])
    /// A damaged capture names at most this many records in the log; the rest are counted.
    static let damageLogLimit = 20

    /// - Parameters:
    ///   - clock: stamps live sightings (captures use their own timestamps).
    ///   - recorder: if given, every packet sent and received is written to it (`welkom scan --record`).
    ///   - receiver: the name sightings carry in `Sighting.receiver`.
    ///   - options: serial flow control and the kernel channel.
    public init(spec: TransportSpec, logger: Logger, clock: any WelkomClock = SystemClock(), recorder: BtsnoopWriter? = nil,
                receiver: String? = nil, options: TransportOptions = TransportOptions(),
                silenceLimit: Duration? = RadioSource.defaultSilenceLimit) {
        self.spec = spec
        self.silenceLimit = silenceLimit
        self.receiver = receiver
        self.options = options
        self.logger = logger
        self.clock = clock
        self.recorder = recorder
    }

    /// Counters so far (safe to read from any thread, e.g. a metrics scrape).
    public var stats: RadioStats { counter.snapshot }

    /// How the controller is being scanned right now; nil while (re)connecting.
    public var scanMode: RadioScanMode? { modeBox.value }

    /// The last scan mode the controller was set up in, kept after the source stopped.
    public var lastScanMode: RadioScanMode? { modeBox.last }

    /// Why the controller is not scanning now: the error of the last failed open or session
    /// (cleared once scanning), or the one `run` stopped for good with. `welkom scan` says it
    /// when it never got to scan; /healthz says it while it lasts.
    public var lastError: String? { modeBox.error }

    /// What was wrong with a replayed capture (`btsnoop:`): records whose time was out of line
    /// (played without waiting), a file that ends inside a record, damage that stopped the
    /// replay. Empty for a sound capture and for live transports. `welkom scan` exits 65 on any.
    public var captureDamage: [String] { damage.withLock { $0 } }

    /// Where the source stands, for /healthz.
    public var health: RadioHealth {
        modeBox.health
    }

    public func run(onSighting deliver: @escaping @Sendable (Sighting) async -> Void) async throws {
        try await runInBatches(onSightings: { batch in
            for sighting in batch { await deliver(sighting) }
        })
    }

    /// The same, with the sightings of each read from the controller handed on together (one
    /// call per read rather than per report: the agent's pipeline takes them in one step).
    public func runInBatches(onSightings deliverBatch: @escaping @Sendable ([Sighting]) async -> Void) async throws {
        let receiver = self.receiver
        let onSightings: @Sendable ([Sighting]) async -> Void = { batch in
            guard receiver != nil else { return await deliverBatch(batch) }
            var stamped = batch
            for i in stamped.indices { stamped[i].receiver = receiver }
            await deliverBatch(stamped)
        }
        let onSighting: @Sendable (Sighting) async -> Void = { sighting in await onSightings([sighting]) }
        if case .btsnoop(let path, let index) = spec {
            modeBox.value = .replay
            defer { modeBox.value = nil }
            let base = counter.snapshot
            do {
                let result = try await CaptureReplay.replay(capture: path, index: index, paced: true, onStats: { [counter] s in
                    counter.update { $0 = base + s }
                }, onProblem: { problem in
                    self.reportDamage("\(path): \(problem)")
                }, onSighting: onSighting)
                if let record = result.partialRecordNumber {
                    reportDamage("\(path): record \(record): the file ends inside it (a recorder stopped mid-write); the records before it were played")
                }
                logger.info("radio: capture replayed", metadata: ["transport": "\(spec)", "records": "\(result.records)",
                                                                  "stats": "\(result.stats)"])
            } catch is CancellationError {
            } catch let error as BtsnoopError {
                // Damage past which nothing can be read is damage; a file that is no capture, or
                // a capture of several controllers with none chosen, is only refused.
                if case .recordTooLong = error { reportDamage("\(error)") } else {
                    logger.error("radio: cannot replay the capture: \(error)", metadata: ["transport": "\(spec)"])
                }
                modeBox.stop(error: "\(error)")
                throw error
            }
            return
        }

        var backoff = Backoff()
        var everScanned = false
        while !Task.isCancelled {
            guard let transport = spec.makeTransport(options: options) else { return }
            var session: ControllerSession?
            do {
                try transport.open()
                let s = ControllerSession(transport: transport, logger: logger, clock: clock, recorder: recorder, counter: counter)
                session = s
                let mode = try await s.start()
                modeBox.value = mode
                modeBox.error = nil
                everScanned = true
                backoff.reset()
                logger.info("radio: scanning", metadata: ["transport": "\(transport.name)", "mode": "\(mode.rawValue)"])
                while true {
                    do {
                        // A shared kernel adapter may be quiet because BlueZ paused scanning: no watchdog there.
                        try await s.scan(silenceLimit: transport.isShared ? nil : silenceLimit, onSightings: onSightings)
                        break
                    } catch let error as RadioSourceError where error == .controllerReset || error.isSilence {
                        // Same transport, set up again: the controller is there, it only forgot.
                        counter.update { $0.controllerResets += 1 }
                        modeBox.value = nil
                        logger.warning("radio: \(error); setting it up again", metadata: ["transport": "\(transport.name)"])
                        modeBox.value = try await s.start()
                    }
                }
                s.close()
                modeBox.value = nil
                return
            } catch is CancellationError {
                if let session { session.close() } else { transport.close() }
                modeBox.value = nil
                return
            } catch let error as TransportError where error.isPermanent && !everScanned {
                // Nothing will change by waiting (no Bluetooth in this kernel, a host that does not
                // resolve): say so once and let the caller decide.
                transport.close()
                modeBox.stop(error: "\(error)")
                logger.error("radio: \(error); the radio has stopped for good: the store runs without its radio until this is fixed and welkom restarted",
                             metadata: ["transport": "\(spec)"])
                throw error
            } catch {
                // The session's reader thread closes the transport; without one, close it here.
                if let session { session.close() } else { transport.close() }
                modeBox.value = nil
                modeBox.error = "\(error)"
                counter.update { $0.transportReopens += 1 }
                let delay = backoff.next()
                logger.warning("radio: \(error); reopening", metadata: ["transport": "\(spec)", "delay": "\(delay)"])
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
    }
}

extension RadioSource {
    /// Keeps a capture's damage for `captureDamage` and logs it, the first few records by number.
    fileprivate func reportDamage(_ line: String) {
        let count = damage.withLock { $0.append(line); return $0.count }
        if count <= Self.damageLogLimit {
            logger.warning("radio: capture damaged: \(line)", metadata: ["transport": "\(spec)"])
        } else if count == Self.damageLogLimit + 1 {
            logger.warning("radio: capture damaged: more records out of line; not logged one by one", metadata: ["transport": "\(spec)"])
        }
    }
}

/// Where a radio source stands: what /healthz reports.
public enum RadioHealth: Sendable, Equatable {
    /// Scanning (or replaying a capture) in this mode.
    case scanning(RadioScanMode)
    /// Opening or reopening the controller; the last error, if an attempt failed.
    case connecting(lastError: String?)
    /// `run` gave up (a failure waiting cannot fix): no radio until welkom is restarted.
    case stopped(error: String)
}

/// The current scan mode and the last error, shared between the run loop and readers.
final class ModeBox: Sendable {
    private struct State {
        var mode: RadioScanMode?
        var lastMode: RadioScanMode?
        var error: String?
        var stopped = false
    }
    private let state = Mutex(State())
    var value: RadioScanMode? {
        get { state.withLock { $0.mode } }
        set {
            state.withLock {
                $0.mode = newValue
                if let newValue { $0.lastMode = newValue }
            }
        }
    }
    var last: RadioScanMode? { state.withLock { $0.lastMode } }
    var error: String? {
        get { state.withLock { $0.error } }
        set { state.withLock { $0.error = newValue } }
    }
    func stop(error: String) {
        state.withLock {
            $0.mode = nil
            $0.error = error
            $0.stopped = true
        }
    }
    var health: RadioHealth {
        state.withLock { s in
            if s.stopped { return .stopped(error: s.error ?? "stopped") }
            if let mode = s.mode { return .scanning(mode) }
            return .connecting(lastError: s.error)
        }
    }
}
