import GRDB

/// The registry's schema, as named migrations from the first version on. A migration is never
/// edited once released; a change is a new migration appended here.
enum RegistrySchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-consents") { db in
            try db.execute(sql: """
                CREATE TABLE consent (
                    customer TEXT PRIMARY KEY NOT NULL,
                    scopes TEXT NOT NULL,              -- e.g. "greeting,name"
                    name TEXT,
                    language TEXT NOT NULL,            -- "nl" | "en"
                    beacon_key BLOB,                   -- 16 bytes, WLK1
                    enrolled_ms INTEGER NOT NULL,      -- ms since 1970, UTC
                    expires_ms INTEGER,                -- ms since 1970, UTC
                    consent_text_version TEXT,
                    note TEXT
                );
                CREATE UNIQUE INDEX consent_beacon_key ON consent(beacon_key) WHERE beacon_key IS NOT NULL;
                -- Card pseudonyms only (HMAC-SHA256 with the pepper kept outside this file).
                CREATE TABLE card (
                    pseudonym BLOB PRIMARY KEY NOT NULL,
                    customer TEXT NOT NULL REFERENCES consent(customer) ON DELETE CASCADE
                );
                CREATE INDEX card_customer ON card(customer);
                -- Bumped by every enrolment and withdrawal, from any process: the running
                -- agent polls it to know when to rebuild its lookup tables.
                CREATE TABLE registry_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    change_counter INTEGER NOT NULL
                );
                INSERT INTO registry_state (id, change_counter) VALUES (1, 0);
                """)
        }
        return m
    }
}
