/// What the policy may know of a recognised customer: the consent scopes, and the name,
/// language, staff note and offer tags only as far as the customer gave them.
public struct CustomerProfile: Sendable, Equatable {
    public var customer: CustomerID
    public var name: String?
    public var language: Language
    public var scopes: Set<Scope>
    /// A staff note the customer agreed to ("prefers not to be asked about Air Miles");
    /// shown only under the `notes` scope.
    public var note: String?
    /// Back-office tags that offers target ("coffee", "family"); used only under `offers`.
    public var tags: Set<String>

    public init(customer: CustomerID, name: String?, language: Language, scopes: Set<Scope>,
                note: String? = nil, tags: Set<String> = []) {
        self.customer = customer
        self.name = name
        self.language = language
        self.scopes = scopes
        self.note = note
        self.tags = tags
    }
}
