import GRDB

/// The ledger's schema, as named migrations from the first version on. A migration is never
/// edited once released; a change is a new migration appended here.
enum LedgerSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-hash-chain") { db in
            // seq is the rowid: append computes max(seq)+1 inside its write transaction.
            try db.execute(sql: """
                CREATE TABLE entry (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    time_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    customer TEXT,
                    salt BLOB,
                    customer_commitment BLOB,
                    scheme TEXT,
                    till TEXT,
                    prompt TEXT,
                    detail TEXT,
                    hash BLOB NOT NULL
                );
                CREATE INDEX entry_customer ON entry(customer) WHERE customer IS NOT NULL;
                """)
        }
        return m
    }
}
