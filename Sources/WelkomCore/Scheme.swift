/// How a customer was recognised; the spelling is part of the outside contract
/// (`welkom replay` output, ledger export).
public enum Scheme: String, Sendable, Codable, CaseIterable {
    case wlk1
    case eid
    case rpa
    case staticIdentifier = "static"
    case card
}
