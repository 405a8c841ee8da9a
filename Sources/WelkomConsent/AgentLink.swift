import WelkomCore

/// A consent change the running agent must apply before the command that made it returns.
public enum ConsentChange: Sendable, Equatable, Codable {
    /// A customer's consent was recorded or replaced: load their keys.
    case enrolled(CustomerID)
    /// A customer's key material is gone: stop matching them, take their prompts down.
    case withdrawn(CustomerID)
    /// Many changes at once (an import): reload the whole registry.
    case reload
}

/// What became of a change at the agent.
public enum AgentNotice: Sendable, Equatable {
    /// The running agent applied it: from now on it matches accordingly.
    case applied
    /// No agent runs on this data directory; the next one to start loads the registry as it is.
    case noAgentRunning
}

/// How a consent change reaches the agent that recognises: over its control socket from the CLI
/// (`AgentControlClient`), or in the same process (the agent's own `ConsentApplier`).
public protocol AgentLink: Sendable {
    /// Returns once the agent has applied `change`; throws when an agent runs but did not confirm.
    func apply(_ change: ConsentChange) async throws -> AgentNotice
}

/// For stores no agent reads (tests of the service alone, a demo store being filled before start).
public struct NoAgent: AgentLink {
    public init() {}
    public func apply(_ change: ConsentChange) async throws -> AgentNotice { .noAgentRunning }
}
