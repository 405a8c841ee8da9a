import Foundation
import WelkomCore

/// Runs a reader's blocking I/O loop on a thread of its own and hands its cards to async code.
///
/// Blocking in libusb, poll() or read() on one of a small gateway's cooperative threads would
/// stall every other stage, hence the thread. The loop may wait for the agent's verdict on a
/// card (`Delivery.verdict(within:)`), e.g. to light the ACR122U's LED.
enum ReaderThread {
    /// One card on its way to the agent, and the slot its verdict comes back in.
    final class Delivery: @unchecked Sendable {
        let sighting: Sighting
        private let condition = NSCondition()
        private var answer: ReaderVerdict?

        init(_ sighting: Sighting) { self.sighting = sighting }

        func answer(_ verdict: ReaderVerdict) {
            condition.lock()
            answer = verdict
            condition.broadcast()
            condition.unlock()
        }

        /// The verdict, or nil when the agent took longer than `seconds` (no feedback then).
        func verdict(within seconds: Double) -> ReaderVerdict? {
            let deadline = Date().addingTimeInterval(seconds)
            condition.lock()
            defer { condition.unlock() }
            while answer == nil, condition.wait(until: deadline) {}
            return answer
        }
    }

    /// Starts `body` on a thread named `name`, feeds its deliveries to `onCard` in order, and
    /// returns once the task is cancelled and the thread has let go of its device. `body` must
    /// return promptly after `wake` is signalled.
    static func run(name: String, onCard: @escaping @Sendable (Sighting) async -> ReaderVerdict,
                    body: @escaping @Sendable (_ wake: WakePipe, _ emit: @escaping (Sighting) -> Delivery) -> Void)
    async throws(ReaderStartError) {
        let wake: WakePipe
        do { wake = try WakePipe() } catch { throw ReaderStartError(reason: error.description) }
        let finished = ExitSignal()
        // Humans present a few cards a second at most, so an unbounded buffer stays small.
        let (deliveries, continuation) = AsyncStream<Delivery>.makeStream()
        let thread = Thread {
            body(wake) { sighting in
                let delivery = Delivery(sighting)
                continuation.yield(delivery)
                return delivery
            }
            wake.close()
            continuation.finish()
            finished.fire()
        }
        thread.name = name
        thread.start()
        await withTaskCancellationHandler {
            for await delivery in deliveries {
                delivery.answer(await onCard(delivery.sighting))
            }
        } onCancel: {
            wake.signal()
        }
        wake.signal()
        await finished.wait()
    }
}

/// A reader that cannot start at all (the process is out of descriptors).
public struct ReaderStartError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "cannot start the card reader: \(reason)" }
}
