import GRDB

/// One row of the `static_identifier` table: an iBeacon/AltBeacon ID or fixed address in its
/// canonical spelling (StaticIdentifier.canonical), and whose it is.
struct StaticIdentifierRecord: FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "static_identifier"

    var canonical: String
    var customer: String

    init(canonical: String, customer: String) {
        self.canonical = canonical
        self.customer = customer
    }

    init(row: Row) throws {
        canonical = try row.decode(forColumn: "canonical")
        customer = try row.decode(forColumn: "customer")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["canonical"] = canonical
        container["customer"] = customer
    }
}
