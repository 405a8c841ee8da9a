import Dispatch
import Logging
import WelkomCore

/// One customer pole display: shows a greeting (and an offer on the second line) when a
/// prompt for its till is shown, and clears itself after `clearAfter`.
///
/// The port opens on first use and again after an error, so a display unplugged and plugged
/// back in comes back on its own; an error is logged (path and reason, never text) and the
/// prompt goes on to the till page regardless.
public actor PoleDisplay {
    public nonisolated let configuration: PoleDisplayConfiguration
    private let logger: Logger
    /// The open line; touched only on `io`, never on a cooperative thread (a write at 9600 baud
    /// takes tens of milliseconds, and a stuck USB-serial adapter can block far longer).
    private nonisolated let line = LineState()
    private nonisolated let io = DispatchQueue(label: "welkom.pole-display", qos: .utility)
    private var lines = ("", "")
    private var clearTask: Task<Void, Never>?
    private nonisolated let queue: AsyncStream<Prompt>.Continuation
    private var worker: Task<Void, Never>?

    public init(_ configuration: PoleDisplayConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Prompt.self, bufferingPolicy: .bufferingNewest(16))
        queue = continuation
        Task { await self.start(stream) }
    }

    deinit {
        queue.finish()
        worker?.cancel()
        clearTask?.cancel()
    }

    /// Hands a prompt over without waiting for the serial line (9600 baud is ~50 ms for both
    /// lines); prompts are shown in the order handed over.
    public nonisolated func submit(_ prompt: Prompt) {
        queue.yield(prompt)
    }

    private func start(_ stream: AsyncStream<Prompt>) {
        worker = Task { [weak self] in
            for await prompt in stream {
                await self?.show(prompt)
            }
        }
    }

    /// Puts `prompt` on the display if it is for this till: a greeting replaces both lines,
    /// an offer takes the second line. Notes never show (they are for staff only).
    public func show(_ prompt: Prompt) async {
        guard prompt.till == configuration.till else { return }
        switch prompt.kind {
        case .greeting: lines = PoleDisplayText.greeting(prompt.language)
        case .offer: lines.1 = prompt.text
        case .note: return
        }
        guard await send(configuration.commandSet.show(lines.0, lines.1)) else { return }
        scheduleClear()
    }

    /// Blanks the display now.
    public func clear() async {
        clearTask?.cancel()
        clearTask = nil
        lines = ("", "")
        _ = await send(configuration.commandSet.clear())
    }

    /// Blanks the display if something is still on it: at shutdown, so a stopped agent does not
    /// leave a greeting up until the next start.
    public func clearIfShowing() async {
        guard clearTask != nil else { return }
        await clear()
    }

    private func scheduleClear() {
        clearTask?.cancel()
        let after = configuration.clearAfter
        clearTask = Task { [weak self] in
            do { try await Task.sleep(for: after) } catch { return }
            await self?.clearFired()
        }
    }

    private func clearFired() async {
        clearTask = nil
        lines = ("", "")
        _ = await send(configuration.commandSet.clear())
    }

    private func send(_ bytes: [UInt8]) async -> Bool {
        let (configuration, line, io) = (configuration, line, io)
        let failure: PoleDisplayError? = await withCheckedContinuation { done in
            io.async { done.resume(returning: line.write(bytes, configuration)) }
        }
        guard let failure else { return true }
        logger.warning("pole display not written", metadata: ["till": "\(configuration.till)", "error": "\(failure)"])
        return false
    }
}

/// The port, opened on first use and again after an error; used on the display's queue only.
private final class LineState: @unchecked Sendable {
    private var port: PoleDisplayPort?

    func write(_ bytes: [UInt8], _ configuration: PoleDisplayConfiguration) -> PoleDisplayError? {
        do {
            if port == nil {
                let opened = try PoleDisplayPort(path: configuration.path, baud: configuration.baud)
                try opened.write(configuration.commandSet.initialise(codePage: configuration.codePage), path: configuration.path)
                port = opened
            }
            try port?.write(bytes, path: configuration.path)
            return nil
        } catch {
            port = nil
            return error
        }
    }
}
