import Foundation
import Logging
import WelkomCore

/// One open transport driven as a passive scanner: reset and resynchronise, configure, scan,
/// and turn reports into sightings until the transport fails or the task is cancelled.
/// Lives inside one task (`RadioSource.run`); not shared.
final class ControllerSession {
    /// 100 ms interval and window: continuous scanning.
    static let scanInterval: UInt16 = 0x00A0
    static let commandTimeout: Duration = .seconds(2)
    static let resetAttempts = 3

    private let transport: any HCITransport
    private let reader: TransportReader
    private var chunks: AsyncThrowingStream<TransportReader.Chunk, any Error>.AsyncIterator
    private var decoder = H4Decoder(accepting: H4Decoder.controllerToHost)
    private var ready: [H4Packet] = []
    private let logger: Logger
    private let clock: any WelkomClock
    private let recorder: BtsnoopWriter?
    private let counter: RadioStatsCounter
    private var extractor = SightingExtractor()
    private var published = RadioStats()
    private(set) var mode: RadioScanMode?

    init(transport: any HCITransport, logger: Logger, clock: any WelkomClock, recorder: BtsnoopWriter?, counter: RadioStatsCounter) {
        self.transport = transport
        self.reader = TransportReader(transport: transport)
        self.chunks = reader.stream.makeAsyncIterator()
        self.logger = logger
        self.clock = clock
        self.recorder = recorder
        self.counter = counter
    }

    deinit { reader.stop() }

    /// Stops the reader thread, which closes the transport. Best effort: scanning is switched
    /// off first so a controller on a UART does not keep streaming into nobody's buffer.
    func close() {
        if let mode {
            let off: HCICommand = mode == .extended ? .leSetExtendedScanEnable(enable: false, filterDuplicates: false)
                                                    : .leSetScanEnable(enable: false, filterDuplicates: false)
            try? send(off)
        }
        reader.stop()
    }

    // MARK: Setup

    /// Statuses after which the other scan command set is tried: a BT5 controller that has seen
    /// extended commands answers legacy ones with Command Disallowed (and the reverse), and some
    /// controllers claim extended scanning yet do not know the commands.
    static let switchingStatuses: Set<HCIStatus> = [.commandDisallowed, .unknownCommand, .unsupportedFeatureOrParameter]

    func start() async throws -> RadioScanMode {
        mode = nil
        // A controller the kernel shares (raw socket) is BlueZ's: no reset, masks left as they are.
        if !transport.isShared {
            try await resetAndResynchronise()
            _ = try await command(.setEventMask(HCICommand.defaultEventMask))
        }
        let answer = try await command(.leReadLocalSupportedFeatures)
        guard let features = LEFeatures(returnParameters: answer) else {
            throw RadioSourceError.badReturnParameters(command: HCIOpcode.leReadLocalSupportedFeatures.description)
        }
        let extended = features.contains(.extendedAdvertising)
        if !transport.isShared {
            // Bit 12 (extended reports) is reserved on 4.x controllers: ask for it only where it exists.
            _ = try await command(.leSetEventMask(extended ? HCICommand.scanningLEEventMask : 1 << 1))
        }
        var candidate: RadioScanMode = extended ? .extended : .legacy
        while true {
            do {
                try await enableScanning(candidate)
                self.mode = candidate
                return candidate
            } catch RadioSourceError.commandFailed(let command, let status)
                        where candidate == .extended && Self.switchingStatuses.contains(status) {
                // Once, extended to legacy; a legacy failure is thrown (and the transport reopened).
                logger.warning("radio: controller answered \(command) with \(status); switching to legacy scanning",
                               metadata: ["transport": "\(transport.name)"])
                candidate = .legacy
            }
        }
    }

    /// Passive scanning, duplicate filtering off, in `mode`'s command set.
    private func enableScanning(_ mode: RadioScanMode) async throws {
        // A previous host may have left scanning on; parameters cannot change while it is.
        switch mode {
        case .extended:
            _ = try await command(.leSetExtendedScanEnable(enable: false, filterDuplicates: false), requireSuccess: false)
            _ = try await command(.leSetExtendedScanParameters(active: false, interval: Self.scanInterval, window: Self.scanInterval))
            _ = try await command(.leSetExtendedScanEnable(enable: true, filterDuplicates: false))
        default:
            _ = try await command(.leSetScanEnable(enable: false, filterDuplicates: false), requireSuccess: false)
            _ = try await command(.leSetScanParameters(active: false, interval: Self.scanInterval, window: Self.scanInterval))
            _ = try await command(.leSetScanEnable(enable: true, filterDuplicates: false))
        }
    }

    /// Sends HCI_Reset and discards every byte up to its Command Complete (see ResetCompleteScanner).
    private func resetAndResynchronise() async throws {
        for attempt in 1...Self.resetAttempts {
            var scanner = ResetCompleteScanner()
            try send(.reset)
            let deadline = ContinuousClock.now + Self.commandTimeout
            while ContinuousClock.now < deadline {
                guard let bytes = try await nextChunk() else { continue }
                if let (status, rest) = scanner.feed(bytes) {
                    guard status.isSuccess else { throw RadioSourceError.commandFailed(command: HCIOpcode.reset.description, status: status) }
                    record([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, status.rawValue], controllerToHost: true)
                    decoder.reset()
                    ready.removeAll()
                    decoder.feed(rest)
                    return
                }
            }
            logger.debug("radio: no HCI_Reset completion yet", metadata: ["transport": "\(transport.name)", "attempt": "\(attempt)"])
        }
        throw RadioSourceError.resetNotAcknowledged(attempts: Self.resetAttempts)
    }

    /// Sends a command and waits for its Command Complete (or a failing Command Status);
    /// returns the return parameters. Events that arrive meanwhile (reports from a controller
    /// still scanning) are dropped: nothing is delivered before setup finished.
    private func command(_ command: HCICommand, requireSuccess: Bool = true) async throws -> ArraySlice<UInt8> {
        try send(command)
        let deadline = ContinuousClock.now + Self.commandTimeout
        while ContinuousClock.now < deadline {
            guard let packet = try await nextPacket() else { continue }
            guard packet.type == .event, let event = try? HCIEvent.decode(packet) else { continue }
            switch event {
            case .commandComplete(_, let opcode, let parameters) where opcode == command.opcode:
                let status = HCIStatus(parameters.first ?? 0xFF)
                if requireSuccess && !status.isSuccess {
                    throw RadioSourceError.commandFailed(command: command.description, status: status)
                }
                return parameters
            case .commandStatus(let status, _, let opcode) where opcode == command.opcode:
                if status.isSuccess || !requireSuccess { return [] }
                throw RadioSourceError.commandFailed(command: command.description, status: status)
            case .hardwareError(let code):
                throw RadioSourceError.hardwareError(code: code)
            default:
                continue
            }
        }
        throw RadioSourceError.commandTimedOut(command: command.description, seconds: Int(Self.commandTimeout.components.seconds))
    }

    // MARK: Scanning

    /// Delivers sightings until the transport fails (throws) or the task is cancelled (returns).
    /// `silenceLimit`: a scanning controller that sends nothing at all for this long is taken to
    /// have restarted without saying so (throws `.controllerSilent`); nil never.
    ///
    /// Sightings go out in batches: all those of the packets that one read brought, handed on
    /// before the session waits for the next read (and before it throws), so a busy radio costs
    /// the consumer one call per read rather than one per report.
    func scan(silenceLimit: Duration? = nil, onSightings: @Sendable ([Sighting]) async -> Void) async throws {
        var loggedFraming = false
        var loggedMalformed = false
        var lastHeard = ContinuousClock.now
        var batch: [Sighting] = []
        reader.gather(true)
        defer { reader.gather(false) }
        func flush() async {
            publish()
            guard !batch.isEmpty else { return }
            let out = batch
            batch.removeAll(keepingCapacity: true)
            await onSightings(out)
        }
        while !Task.isCancelled {
            guard let (type, range) = try await nextPacketRange(onFramingError: { error in
                // The first one per session at warning level, the rest only in the counters.
                if !loggedFraming {
                    loggedFraming = true
                    logger.warning("radio: \(error)", metadata: ["transport": "\(transport.name)"])
                }
            }, beforeWaiting: flush) else {
                if let silenceLimit, ContinuousClock.now - lastHeard > silenceLimit {
                    throw RadioSourceError.controllerSilent(seconds: Int(silenceLimit.components.seconds))
                }
                continue
            }
            lastHeard = ContinuousClock.now
            guard type == .event else { continue }
            let overrunsBefore = extractor.stats.malformedAdvertisingData
            // The common case straight from the decoder's buffer; anything else the copying way.
            let now = clock.now()
            if decoder.withBytes(range, { extractor.appendSightings(h4Type: H4PacketType.event.rawValue, packet: $0, at: now, into: &batch) }) {
                if !loggedMalformed, extractor.stats.malformedAdvertisingData > overrunsBefore {
                    loggedMalformed = true
                    logger.warning("radio: advertising data overruns its report; kept the AD structures before the overrun",
                                   metadata: ["transport": "\(transport.name)"])
                }
                continue
            }
            let packet = H4Packet(type: type, bytes: decoder.withBytes(range) { Array($0) })
            let sightings: [Sighting]
            do {
                sightings = try extractor.sightings(in: packet, at: now)
            } catch {
                // The first per session at warning level, the rest only in the counters;
                // the error names shapes and offsets only, never the bytes.
                if !loggedMalformed {
                    loggedMalformed = true
                    logger.warning("radio: malformed advertising report dropped: \(error)", metadata: ["transport": "\(transport.name)"])
                }
                continue
            }
            if !loggedMalformed, extractor.stats.malformedAdvertisingData > overrunsBefore {
                loggedMalformed = true
                logger.warning("radio: advertising data overruns its report; kept the AD structures before the overrun",
                               metadata: ["transport": "\(transport.name)"])
            }
            if sightings.isEmpty, let event = try? HCIEvent.decode(packet) {
                switch event {
                case .hardwareError(let code):
                    await flush()
                    throw RadioSourceError.hardwareError(code: code)
                case .commandComplete(_, let opcode, _) where opcode == .noOperation || opcode == .reset:
                    // A controller announces it (re)started with a Command Complete for the NOP
                    // opcode (Zephyr and most UART firmware do at boot), or completes a reset
                    // someone else sent: it has forgotten our setup. Not so on a shared adapter,
                    // where BlueZ resetting is BlueZ's business and it sets scanning up again.
                    if !transport.isShared {
                        await flush()
                        throw RadioSourceError.controllerReset
                    }
                default:
                    break
                }
            }
            batch += sightings
        }
        await flush()
    }

    /// Moves this session's new counts into the shared counters.
    private func publish() {
        let now = extractor.stats
        let before = published
        guard now != before else { return }
        published = now
        counter.update { $0 = $0 + (now - before) }
    }

    // MARK: Plumbing

    private func send(_ command: HCICommand) throws {
        let bytes = command.encoded
        try transport.write(bytes)
        record(bytes, controllerToHost: false)
    }

    private func record(_ framed: [UInt8], controllerToHost: Bool) {
        guard let recorder else { return }
        do {
            try recorder.write(packet: framed, controllerToHost: controllerToHost, at: clock.now())
        } catch {
            logger.error("radio: recording stopped: \(error)")
        }
    }

    /// The next decoded packet, or nil after a quiet poll interval.
    private func nextPacket() async throws -> H4Packet? {
        guard let (type, range) = try await nextPacketRange() else { return nil }
        return H4Packet(type: type, bytes: decoder.withBytes(range) { Array($0) })
    }

    /// The next decoded packet's type and where its bytes are in the decoder (`decoder.withBytes`,
    /// valid until the next read is fed), or nil after a quiet poll interval. `beforeWaiting`
    /// runs each time the bytes so far hold no further packet, before the next read is awaited.
    private func nextPacketRange(onFramingError: (H4FramingError) -> Void = { _ in },
                                 beforeWaiting: () async -> Void = {}) async throws -> (H4PacketType, Range<Int>)? {
        while true {
            do {
                if let (type, range) = try decoder.nextRange() {
                    if type == .event, recorder != nil {
                        record([type.rawValue] + decoder.withBytes(range) { Array($0) }, controllerToHost: true)
                    }
                    return (type, range)
                }
            } catch {
                extractor.stats.framingErrors += 1
                onFramingError(error)
                continue
            }
            await beforeWaiting()
            guard let bytes = try await nextChunk() else { return nil }
            decoder.feed(bytes)
        }
    }

    /// The next bytes from the reader thread; nil on an idle tick. Throws `.closed` when the
    /// transport ended and CancellationError when the task was cancelled.
    private func nextChunk() async throws -> [UInt8]? {
        try Task.checkCancellation()
        guard let chunk = try await chunks.next() else {
            try Task.checkCancellation()
            throw TransportError.closed(spec: transport.name)
        }
        switch chunk {
        case .bytes(let b): return b
        case .idle: return nil
        }
    }
}
