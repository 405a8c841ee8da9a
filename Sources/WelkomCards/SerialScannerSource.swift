#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import WelkomCore
import WelkomIdentifiers
import WelkomSerial

/// A barcode or magstripe scanner on a serial line (CDC-ACM `/dev/ttyACM0`, a USB-serial
/// adapter, a pty in tests): config `[[reader]] kind = "serial"`.
///
/// Each line the scanner sends is classified by `CardNumber.classify(line:)`:
/// - a loyalty card becomes a `Sighting` with `.card(normalised:)` evidence and the reader's till;
/// - a payment card is dropped without a trace: one aggregate counter, no log line;
/// - anything else is counted and logged once, naming the reader and the problem, never the code.
///
/// A line longer than `maxLineBytes` is garbage; bytes without a line end followed by
/// `partialTimeout` of silence are a partial read. Both are discarded, so a fragment can never
/// merge with the next code into a different number.
///
/// The reader may come and go (unplugged, pty closed, EIO): the source logs it and reopens the
/// path with backoff until its task is cancelled. It never crashes on what the line delivers.
public struct SerialScannerSource: Sendable {
    public let path: String
    public let baud: Int
    public let till: TillID
    public let maxLineBytes: Int
    public let partialTimeout: Duration
    private let logger: Logger
    private let rejectLog = RejectLog()
    private let clock: any WelkomClock
    private let counters = ReaderCounters()
    /// The shop's own number ranges that look like payment cards (`[cards] allow_prefixes`).
    public let exemptions: PaymentCardExemptions

    /// Backoff between attempts to reopen a reader that is gone.

    public init(path: String, baud: Int, till: TillID, logger: Logger, clock: any WelkomClock = SystemClock(),
                maxLineBytes: Int = 256, partialTimeout: Duration = .milliseconds(500),
                exempting exemptions: PaymentCardExemptions = .none) {
        self.exemptions = exemptions
        self.path = path
        self.baud = baud
        self.till = till
        self.logger = logger
        self.clock = clock
        self.maxLineBytes = maxLineBytes
        self.partialTimeout = partialTimeout
    }

    /// Aggregate counts so far, for metrics. Safe to call from any task while `run` runs.
    public var stats: ReaderStats { counters.snapshot }

    /// Reads until the calling task is cancelled, then returns. `onSighting` is awaited for each
    /// loyalty card in order. Throws only for a configuration the source can never run with
    /// (an unsupported baud rate); a missing or vanishing device is retried instead.
    public func run(onSighting: @escaping @Sendable (Sighting) async -> Void) async throws {
        guard SerialPort.speed(for: baud) != nil else { throw SerialScannerError.unsupportedBaud(baud) }
        let wake: WakePipe
        do { wake = try WakePipe() } catch { throw SerialScannerError.system(error.description) }
        let finished = ExitSignal()
        // Humans scan a few codes a second at most, so an unbounded buffer stays small.
        let (sightings, continuation) = AsyncStream<Sighting>.makeStream()
        // A dedicated thread: blocking in poll() on one of the two cooperative threads of a
        // small gateway would stall every other stage.
        let thread = Thread { [self] in
            readLoop(wake: wake) { continuation.yield($0) }
            wake.close()
            continuation.finish()
            finished.fire()
        }
        thread.name = "welkom-serial-reader"
        thread.start()
        await withTaskCancellationHandler {
            for await sighting in sightings {
                await onSighting(sighting)
            }
        } onCancel: {
            wake.signal()
        }
        wake.signal()
        await finished.wait()
    }

    // MARK: The reader thread

    private typealias SessionEnd = ReaderReconnection.SessionEnd

    private func readLoop(wake: WakePipe, emit: (Sighting) -> Void) {
        let reconnection = ReaderReconnection(counters: counters, logger: logger, metadata: ["reader": .string(path)])
        reconnection.run(wake: wake,
                         open: { try SerialPort.open(path, SerialPort.Options(baud: baud, nonBlocking: true)) },
                         openMetadata: { _ in ["baud": .stringConvertible(baud)] },
                         session: { readLines(from: $0, wake: wake, emit: emit) },
                         close: { $0.close() })
    }

    private func readLines(from port: SerialPort, wake: WakePipe, emit: (Sighting) -> Void) -> SessionEnd {
        var splitter = LineSplitter(limit: maxLineBytes)
        var buffer = [UInt8](repeating: 0, count: 512)
        defer { for i in buffer.indices { buffer[i] = 0 } }
        var lastByte = ContinuousClock.now
        let partialMS = Int32(clamping: partialTimeout.milliseconds)
        while true {
            var timeout: Int32 = -1
            if splitter.hasPartial {
                let left = partialTimeout - (ContinuousClock.now - lastByte)
                timeout = max(0, Int32(clamping: left.milliseconds))
            }
            var fds = [pollfd(fd: port.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return .gone(SystemCallError(operation: "poll", errno: errno).description)
            }
            if fds[1].revents != 0 { return .cancelled }
            if ready == 0 {
                if splitter.discardPartial() { reject(.partialRead(silenceMilliseconds: Int(partialMS))) }
                continue
            }
            let revents = Int32(fds[0].revents)
            if revents & Int32(POLLIN) != 0 {
                let n = read(port.fd, &buffer, buffer.count)
                if n > 0 {
                    lastByte = ContinuousClock.now
                    for event in splitter.feed(buffer[0..<n]) { handle(event, emit: emit) }
                    continue
                }
                if n < 0, errno == EAGAIN || errno == EINTR { continue }
                let reason = n == 0 ? "end of file" : SystemCallError(operation: "read", errno: errno).description
                if splitter.discardPartial() { reject(.partialRead(silenceMilliseconds: 0)) }
                return .gone(reason)
            }
            if revents & Int32(POLLHUP | POLLERR | POLLNVAL) != 0 {
                if splitter.discardPartial() { reject(.partialRead(silenceMilliseconds: 0)) }
                return .gone("hang-up")
            }
        }
    }

    private func handle(_ event: LineSplitter.Event, emit: (Sighting) -> Void) {
        switch event {
        case .tooLong:
            reject(.lineTooLong(limit: maxLineBytes))
        case .line(let bytes):
            switch CardNumber.classify(line: bytes, exempting: exemptions) {
            case .loyalty(let normalised, _):
                counters.update { $0.codesRead += 1; $0.loyalty += 1 }
                emit(Sighting(time: clock.now(), evidence: .card(normalised: normalised), till: till, source: .card))
            case .paymentCard:
                // Invariant 6: dropped at the reader. A count, and nothing else.
                counters.update { $0.codesRead += 1; $0.paymentDropped += 1 }
            case .invalid(let problem):
                reject(problem)
            }
        }
    }

    private func reject(_ problem: CardCodeProblem) {
        counters.update { $0.codesRead += 1; $0.invalid += 1 }
        rejectLog.reject(problem, reader: path, logger: logger)
    }
}

extension SerialScannerSource: CardReaderSource {
    public var readerName: String { "serial \(path)" }

    /// A serial scanner has no way to signal the customer: the verdict is not used.
    public func run(onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict) async throws {
        try await run(onSighting: { _ = await onCard($0) })
    }
}
