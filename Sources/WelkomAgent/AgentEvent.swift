import WelkomCore

/// What the agent tells its operator: logged by `run`, printed line by line by `demo`.
/// Carries identifiers of opted-in customers only; strangers appear only as counts.
public enum AgentEvent: Sendable {
    case greeted(Prompt, ledgerSeq: Int64)
    case tillAction(TillAction, ledgerSeq: Int64)
    case promptWithheld(customer: CustomerID, reason: String)
    case consentsReloaded(customers: Int)
}
