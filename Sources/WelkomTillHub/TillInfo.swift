import WelkomCore

/// One till as the config names it: the hub serves a page for each, and only for these.
public struct TillInfo: Sendable, Equatable {
    public var id: TillID
    /// What staff see in the page title, e.g. "Kassa 1".
    public var name: String
    /// The page's own words in this language; nil shows English and Dutch side by side.
    public var language: Language?

    public init(id: TillID, name: String, language: Language? = nil) {
        self.id = id
        self.name = name
        self.language = language
    }
}
