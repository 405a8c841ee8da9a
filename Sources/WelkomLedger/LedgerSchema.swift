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
        m.registerMigration("v2-merkle") { db in
            // leaf: what the tree commits to, never deleted. body: the record behind each leaf,
            // deletable (erasure, retention). node: hashes of the perfect subtrees, keyed by the
            // last entry they cover, so proofs take O(log n) reads and verify checks them in order.
            try db.execute(sql: """
                CREATE TABLE leaf (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    time_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    body_hash BLOB NOT NULL,
                    hash BLOB NOT NULL,
                    removed TEXT
                );
                CREATE INDEX leaf_time ON leaf(time_ms);
                CREATE TABLE body (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    salt BLOB NOT NULL,
                    customer TEXT,
                    customer_salt BLOB,
                    customer_commitment BLOB,
                    scheme TEXT,
                    till TEXT,
                    prompt TEXT,
                    detail TEXT,
                    receipt TEXT
                );
                CREATE INDEX body_customer ON body(customer) WHERE customer IS NOT NULL;
                CREATE TABLE node (
                    end_seq INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    PRIMARY KEY (end_seq, height)
                ) WITHOUT ROWID;
                CREATE TABLE checkpoint (
                    id INTEGER PRIMARY KEY NOT NULL,
                    tree_size INTEGER NOT NULL,
                    root BLOB NOT NULL,
                    time_ms INTEGER NOT NULL,
                    public_key BLOB NOT NULL,
                    signature BLOB NOT NULL
                );
                CREATE TABLE ledger_note (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
            try LegacyChainMigration.carryOver(db)
            try db.execute(sql: "DROP TABLE entry")
        }
        return m
    }
}
