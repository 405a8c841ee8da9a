import Dispatch

/// Runs blocking file and database work on a Dispatch queue of its own and suspends the caller
/// until it is done, so Swift concurrency's few cooperative threads (one per core: two on a
/// store gateway) never sit in an fsync, a busy wait on SQLite's lock or a tty write while
/// sightings queue up behind them. The stores' async APIs are built on this; their blocking
/// twins are marked `noasync` so the compiler refuses them in async code.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "welkom.blocking-io", qos: .userInitiated, attributes: .concurrent)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// A serial queue for work that must keep its order (one device's writes).
    public static func serialQueue(label: String) -> DispatchQueue {
        DispatchQueue(label: label, qos: .userInitiated)
    }

    public static func run<T: Sendable>(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
