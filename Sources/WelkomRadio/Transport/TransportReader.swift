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

    init(transport: any HCITransport, pollMilliseconds: Int32 = 100) {
        let (stream, continuation) = AsyncThrowingStream<Chunk, any Error>.makeStream(
            // Bounded: if the consumer stalls, newer bytes are dropped and surface as framing errors.
            bufferingPolicy: .bufferingOldest(10_000))
        let stopped = StopFlag()
        self.stream = stream
        self.stopped = stopped
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            defer { transport.close() }
            while !stopped.isSet {
                do {
                    let n = try buffer.withUnsafeMutableBytes { try transport.read(into: $0, timeoutMilliseconds: pollMilliseconds) }
                    continuation.yield(n > 0 ? .bytes(Array(buffer[0..<n])) : .idle)
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

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
