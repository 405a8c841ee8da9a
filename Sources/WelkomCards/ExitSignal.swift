import Synchronization

/// Lets `run` wait, without blocking a cooperative thread, until the reader thread is done
/// with its descriptors.
final class ExitSignal: Sendable {
    private struct State {
        var done = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func fire() {
        let waiter = state.withLock { state in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if !state.done { state.waiter = c }
                return state.done
            }
            if done { c.resume() }
        }
    }
}
