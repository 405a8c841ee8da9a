/// Identifiers that cross stage boundaries. Customer and till IDs are opaque strings chosen
/// by the back office and the config; they are never derived from what a radio hears.
public typealias CustomerID = String
public typealias TillID = String
