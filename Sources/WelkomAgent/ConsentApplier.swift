import Logging
import WelkomConsent
import WelkomCore
import WelkomRecogniser

/// Applies consent changes to the running pipeline one at a time, in the order they arrive —
/// from the control socket (`welkom consent …` in another process) or from this process (the
/// demo). One at a time, so a reload read before a withdrawal is never applied after it.
/// A change is applied when `apply` returns; that is what the CLI waits for.
public final class ConsentApplier: AgentLink, Sendable {
    /// What the applier does, one at a time: a consent change, or new recognition settings (a
    /// reload), which read the registry too and so must not overtake or be overtaken by a withdrawal.
    private enum Work: Sendable {
        case change(ConsentChange)
        case recogniser(RecogniserSettings)
    }
    private typealias Request = (work: Work, done: CheckedContinuation<Void, any Error>)
    private let requests: AsyncStream<Request>.Continuation
    private let stream: AsyncStream<Request>
    let pipeline: Pipeline
    let clock: any WelkomClock
    let logger: Logger

    init(pipeline: Pipeline, clock: any WelkomClock, logger: Logger) {
        self.pipeline = pipeline
        self.clock = clock
        self.logger = logger
        (stream, requests) = AsyncStream.makeStream(of: Request.self)
    }

    public func apply(_ change: ConsentChange) async throws -> AgentNotice {
        try await enqueue(.change(change))
        return .applied
    }

    /// New recognition settings (SIGHUP): the pipeline's recogniser is rebuilt from the registry
    /// in the applier's order, so a withdrawal applied before it stays applied.
    func replaceRecogniser(settings: RecogniserSettings) async throws {
        try await enqueue(.recogniser(settings))
    }

    private func enqueue(_ work: Work) async throws {
        try await withCheckedThrowingContinuation { done in
            if case .terminated = requests.yield((work, done)) {
                done.resume(throwing: CancellationError())
            }
        }
    }

    /// Runs until cancelled (the agent stops); changes still queued then are refused.
    func run() async {
        await withTaskCancellationHandler {
            for await request in stream {
                do {
                    switch request.work {
                    case let .change(.withdrawn(customer)):
                        await pipeline.applyWithdrawal(of: customer)
                    case let .change(.enrolled(customer)):
                        try await pipeline.applyEnrolment(of: customer, at: clock.now())
                    case .change(.reload):
                        try await pipeline.reloadConsents(at: clock.now())
                    case let .recogniser(settings):
                        try await pipeline.replaceRecogniser(settings: settings, at: clock.now())
                    }
                    request.done.resume()
                } catch {
                    logger.error("could not apply a consent change", metadata: ["error": "\(error)"])
                    request.done.resume(throwing: error)
                }
            }
        } onCancel: {
            requests.finish()
        }
        // Finishing drops what is still buffered; answer those so no caller waits forever.
    }
}
