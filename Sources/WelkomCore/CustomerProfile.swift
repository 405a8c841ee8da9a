/// What the policy may know of a recognised customer: the consent scopes, and the name and
/// language only as far as the customer gave them.
public struct CustomerProfile: Sendable, Equatable {
    public var customer: CustomerID
    public var name: String?
    public var language: Language
    public var scopes: Set<Scope>

    public init(customer: CustomerID, name: String?, language: Language, scopes: Set<Scope>) {
        self.customer = customer
        self.name = name
        self.language = language
        self.scopes = scopes
    }
}
