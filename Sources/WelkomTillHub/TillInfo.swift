import WelkomCore

/// One till as the config names it: the hub serves a page for each, and only for these.
public struct TillInfo: Sendable, Equatable {
    public var id: TillID
    /// What staff see in the page title, e.g. "Kassa 1".
    public var name: String

    public init(id: TillID, name: String) {
        self.id = id
        self.name = name
    }
}
