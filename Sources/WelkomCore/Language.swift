/// The language a customer is greeted in.
public enum Language: String, Sendable, Codable, CaseIterable {
    case nl
    case en
}
