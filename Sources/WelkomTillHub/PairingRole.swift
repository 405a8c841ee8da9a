/// What a paired display may do beyond showing its till's prompts.
public enum PairingRole: String, Sendable, Equatable, CaseIterable {
    /// A till display: the prompts, acknowledge, dismiss, the customer's one-tap withdrawal.
    case till
    /// A service-desk display (`welkom till pair --desk`): all a till display does, and it may
    /// enrol customers on the desk and customer pages (consent given with the customer there).
    case desk
    /// The customer-facing screen of a desk (`welkom till pair --desk-customer`): the customer page
    /// and its answers only. It never sees a prompt, the staff page or any till route, so a screen
    /// turned to the shop floor shows no other customer's name or note whatever is typed into it.
    case customer

    /// May open the till's page, stream and prompts (every role but the customer screen).
    public var seesPrompts: Bool { self != .customer }
    /// The page a display of this role lands on after pairing.
    public func landingPage(till: String) -> String {
        switch self {
        case .till: "/till/\(till)"
        case .desk: "/desk/\(till)"
        case .customer: "/desk/\(till)/customer"
        }
    }
}
