import Foundation

/// Lets `run` wait, without blocking a cooperative thread, until the reader thread is done
/// with its descriptors.
final class ExitSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var waiter: CheckedContinuation<Void, Never>?

    func fire() {
        lock.lock()
        done = true
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if done {
                lock.unlock()
                c.resume()
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}
