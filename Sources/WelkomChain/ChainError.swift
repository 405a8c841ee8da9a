/// What can go wrong in chain mode, each saying where and what to do.
public enum ChainError: Error, CustomStringConvertible, Sendable {
    case key(path: String, reason: String)
    case url(String)
    case unreachable(url: String, reason: String)
    case schema(String)
    case wrongKey
    case invalidStore(String)
    case unknownStore(String)
    case consent(String)
    case database(operation: String, reason: String)

    public var description: String {
        switch self {
        case let .key(path, reason): "chain key \(path): \(reason)"
        case let .url(reason): "--postgres: \(reason)"
        case let .unreachable(url, reason): "cannot reach the chain database at \(url): \(reason)"
        case let .schema(reason): "chain database: \(reason)"
        case .wrongKey: "the chain key file does not belong to this chain database (its check value differs); use the key file made by `welkom chain init`"
        case let .invalidStore(id): "store ID \"\(id)\" must be 1–40 lowercase letters, digits, '-' or '_'"
        case let .unknownStore(id): "no store \"\(id)\" in the chain database; add it with `welkom chain store add`"
        case let .consent(reason): reason
        case let .database(operation, reason): "chain database: \(operation) failed: \(reason)"
        }
    }
}
