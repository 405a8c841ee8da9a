/// What a paired display may do beyond showing its till's prompts.
public enum PairingRole: String, Sendable, Equatable, CaseIterable {
    /// A till display: the prompts, acknowledge, dismiss, the customer's one-tap withdrawal.
    case till
    /// A service-desk display (`welkom till pair --desk`): all a till display does, and it may
    /// enrol customers on the desk and customer pages (consent given with the customer there).
    case desk
}
