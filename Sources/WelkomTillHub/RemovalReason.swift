/// Why a prompt left a till's list; the page only needs the ID, the reason helps a reader of the stream.
enum RemovalReason: String, Sendable, Codable, Equatable {
    case acknowledged
    case dismissed
    case expired
    /// The customer withdrew consent (or was erased) while the prompt was up.
    case withdrawn
}
