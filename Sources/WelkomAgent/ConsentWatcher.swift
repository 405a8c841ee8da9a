import Logging
import WelkomCore
import WelkomRegistry

/// Notices registry changes made by another process (`welkom consent enroll|withdraw` while the
/// agent runs) by polling the registry's change counter — one indexed read every 200 ms — and has
/// the pipeline reload, so a withdrawal takes effect well within a second (invariant 3).
struct ConsentWatcher: Sendable {
    let registry: ConsentRegistry
    let pipeline: Pipeline
    let clock: any WelkomClock
    let logger: Logger
    var interval: Duration = .milliseconds(200)

    func run() async {
        var seen = (try? registry.changeCounter()) ?? -1
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                let current = try registry.changeCounter()
                guard current != seen else { continue }
                try await pipeline.reloadConsents(at: clock.now())
                seen = current
            } catch {
                logger.error("could not reload consents from the registry", metadata: ["error": "\(error)"])
            }
        }
    }
}
