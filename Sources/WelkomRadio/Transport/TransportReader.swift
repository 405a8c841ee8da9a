import Foundation
import Synchronization

/// Reads a transport on a dedicated thread (blocking reads must not occupy the 2-core machine's
/// concurrency pool) and hands the bytes to async code as a stream. The thread also yields
/// `.idle` after each quiet poll interval so the consumer can check deadlines and cancellation
/// without racing timers. `stop()` ends the thread, which then closes the transport: only this
/// thread closes it, so a poll never runs on a descriptor number that was closed and reused.
/// (The consumer's cancellation does not stop the thread by itself, so that the session can
/// still write its last command, scan disable, before it stops the reader.)
final class TransportReader: Sendable {
    enum Chunk: Sendable {
        case bytes([UInt8])
        case idle
    }

    let stream: AsyncThrowingStream<Chunk, any Error>
    private let stopped: StopFlag
    private let gatherFor = GatherSetting()

    /// While scanning, after handing on bytes the thread waits this long before it reads again,
    /// so that the consumer wakes once per many reports rather than once per report. What a
    /// batch costs is the hand-over, not the reports in it: two thread wake-ups (this thread's
    /// timer, then a pool thread woken for the consumer), each a context switch, a timer or an
    /// inter-processor interrupt — measured on a 2-core VM at about 140 µs a batch against about
    /// 1.5 µs a report (release, 100,000 customers, 1,000 reports/s, an idle host: 20 ms gave
    /// 0.93 % of a core, 50 ms 0.60 %, 100 ms 0.47 %). On a VM every such switch is a hypervisor
    /// exit, so fewer batches is the one lever short of one thread doing both. The first packet
    /// after a quiet spell is never delayed, later ones by at most this: no longer than a fob
    /// takes to advertise again (100 ms and up), so a report waits no longer than the customer's
    /// next one would take to arrive, and nothing next to a customer's walk to a till. A full
    /// read buffer is read on at once; the read loop drains whatever a pty, a UART's driver or a
    /// kernel socket holds (at 2,700 reports a second, about 14 kB a batch).
    static let scanningGatherMicroseconds: UInt32 = 100_000
    /// Room a read needs: more than the largest packet a controller sends a scanning host.
    static let readSize = 1 << 16

    /// Gathering on (scanning, `scanningGatherMicroseconds`) or off (setting up: each command
    /// waits for its answer, which must not wait for a gather).
    func gather(_ on: Bool) {
        gatherFor.microseconds.store(on ? Self.scanningGatherMicroseconds : 0, ordering: .relaxed)
    }

    init(transport: any HCITransport, pollMilliseconds: Int32 = 100) {
        let (stream, continuation) = AsyncThrowingStream<Chunk, any Error>.makeStream(
            // Bounded: if the consumer stalls, newer bytes are dropped and surface as framing errors.
            bufferingPolicy: .bufferingOldest(10_000))
        let stopped = StopFlag()
        self.stream = stream
        self.stopped = stopped
        let gatherFor = self.gatherFor
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: Self.readSize)
            defer { transport.close() }
            while !stopped.isSet {
                do {
                    var n = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMilliseconds: pollMilliseconds) }
                    guard n > 0 else { continuation.yield(.idle); continue }
                    // What else is there already joins this chunk (a kernel socket gives one packet per
                    // read). A failure here is left for the next read to report, after these bytes.
                    while n <= buffer.count - 4096 {
                        let more = (try? buffer.withUnsafeMutableBytes {
                            try transport.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[n...]), timeoutMilliseconds: 0)
                        }) ?? 0
                        if more == 0 { break }
                        n += more
                    }
                    continuation.yield(.bytes(Array(buffer[0..<n])))
                    let gather = gatherFor.microseconds.load(ordering: .relaxed)
                    if gather > 0, n <= buffer.count - 4096 { usleep(gather) }
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
        thread.name = "welkom-radio-reader"
        thread.start()
    }

    func stop() { stopped.set() }
}

/// How long the reader thread gathers, set by the session, read by the thread.
final class GatherSetting: Sendable {
    let microseconds = Atomic<UInt32>(0)
}

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
