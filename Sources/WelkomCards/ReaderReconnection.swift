import Logging

/// The life every reader kind shares: open the device, read until it is gone, reopen it with
/// backoff — while every other reader keeps running. A problem opening it is logged once per
/// distinct problem, not once per attempt, and a reader that fails at once backs off, so a
/// flapping device cannot flood the journal; one that stayed up a while is retried quickly.
struct ReaderReconnection {
    static let firstRetry: Duration = .milliseconds(250)
    static let longestRetry: Duration = .seconds(5)

    /// How one session with an open reader ended.
    enum SessionEnd {
        case cancelled
        case gone(String)
    }

    let counters: ReaderCounters
    let logger: Logger
    /// Names the reader in every line ("reader" = kind and address), never a code read.
    let metadata: Logger.Metadata

    /// Runs sessions until `wake` is signalled. `open` returns the device or throws why it
    /// cannot (the error's description is what is logged); `session` reads it until cancelled
    /// or gone; `close` releases it. `openMetadata` adds what is worth logging on open.
    func run<Device>(wake: WakePipe, open: () throws -> Device,
                     openMetadata: (Device) -> Logger.Metadata = { _ in [:] },
                     session: (Device) -> SessionEnd, close: (Device) -> Void) {
        var retry = Self.firstRetry
        var lastProblem: String?
        while !wake.isSignalled {
            let device: Device
            do {
                device = try open()
            } catch {
                let problem = String(describing: error)
                if problem != lastProblem {
                    logger.warning("card reader cannot be opened; retrying", metadata: metadata.merging([
                        "error": .string(problem), "retry_ms": .stringConvertible(retry.milliseconds),
                    ]) { $1 })
                    lastProblem = problem
                }
                if wake.wait(milliseconds: Int32(retry.milliseconds)) { return }
                retry = min(retry * 2, Self.longestRetry)
                continue
            }
            lastProblem = nil
            logger.info("card reader open", metadata: metadata.merging(openMetadata(device)) { $1 })
            let opened = ContinuousClock.now
            let end = session(device)
            close(device)
            guard case .gone(let reason) = end else { return }
            counters.update { $0.disconnects += 1 }
            if ContinuousClock.now - opened > Self.longestRetry { retry = Self.firstRetry }
            logger.warning("card reader gone; reopening", metadata: metadata.merging([
                "error": .string(reason), "retry_ms": .stringConvertible(retry.milliseconds),
            ]) { $1 })
            if wake.wait(milliseconds: Int32(retry.milliseconds)) { return }
            retry = min(retry * 2, Self.longestRetry)
        }
    }
}

extension Duration {
    /// Whole milliseconds, for poll() and the log.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
