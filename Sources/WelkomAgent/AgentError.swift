/// Why the agent cannot run, said so that an operator knows what to change.
public enum AgentError: Error, CustomStringConvertible {
    case cannotListen(address: String, reason: String)
    /// `till_display.tls_certificate` / `tls_key` cannot be used.
    case tls(reason: String)

    public var description: String {
        switch self {
        case let .cannotListen(address, reason):
            "cannot serve the till pages on \(address) (till_display.listen): \(reason) — is another welkom running, or is the port taken?"
        case let .tls(reason):
            "cannot serve the till pages over HTTPS: \(reason)"
        }
    }
}
