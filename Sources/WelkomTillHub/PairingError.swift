/// The pairing store could not be read or written; the reason carries no SQL, code or token.
public enum PairingError: Error, CustomStringConvertible, Sendable {
    case storage(path: String, reason: String)

    public var description: String {
        switch self {
        case let .storage(path, reason): "\(path): \(reason)"
        }
    }
}
