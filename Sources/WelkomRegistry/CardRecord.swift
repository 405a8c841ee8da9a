import Foundation
import GRDB

/// One row of the `card` table: a card pseudonym and whose it is. Never a card number.
struct CardRecord: FetchableRecord, PersistableRecord, Sendable {
    static let databaseTableName = "card"

    var pseudonym: Data
    var customer: String

    init(pseudonym: [UInt8], customer: String) {
        self.pseudonym = Data(pseudonym)
        self.customer = customer
    }

    init(row: Row) throws {
        pseudonym = try row.decode(forColumn: "pseudonym")
        customer = try row.decode(forColumn: "customer")
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["pseudonym"] = pseudonym
        container["customer"] = customer
    }
}
