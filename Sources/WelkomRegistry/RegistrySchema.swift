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
        // Issue 3: every identifier scheme of docs/identifiers.md, and offer tags.
        m.registerMigration("v2-identifier-schemes") { db in
            try db.execute(sql: """
                ALTER TABLE consent ADD COLUMN eid_key BLOB;           -- 16 bytes, Eddystone-EID identity key
                ALTER TABLE consent ADD COLUMN eid_exponent INTEGER;   -- rotation exponent K, 0…15
                ALTER TABLE consent ADD COLUMN eid_epoch INTEGER;      -- Unix time the beacon's counter read 0
                ALTER TABLE consent ADD COLUMN irk BLOB;               -- 16 bytes, identity resolving key
                ALTER TABLE consent ADD COLUMN tags TEXT;              -- sorted, comma-separated
                CREATE UNIQUE INDEX consent_eid_key ON consent(eid_key) WHERE eid_key IS NOT NULL;
                CREATE UNIQUE INDEX consent_irk ON consent(irk) WHERE irk IS NOT NULL;
                -- iBeacon IDs, AltBeacon IDs and fixed addresses in their canonical spelling.
                CREATE TABLE static_identifier (
                    canonical TEXT PRIMARY KEY NOT NULL,
                    customer TEXT NOT NULL REFERENCES consent(customer) ON DELETE CASCADE
                );
                CREATE INDEX static_identifier_customer ON static_identifier(customer);
                """)
        }
        // Issue 15: a card whose holder declined and asked not to be asked again. Only the card's
        // pseudonym, a random marker (the ledger's name for it) and the dates: no name, no consent.
        m.registerMigration("v3-do-not-ask") { db in
            try db.execute(sql: """
                CREATE TABLE do_not_ask (
                    pseudonym BLOB PRIMARY KEY NOT NULL,   -- card pseudonym, as in card
                    marker TEXT NOT NULL UNIQUE,           -- random, e.g. "dna-…"; names its ledger entries
                    created_ms INTEGER NOT NULL,
                    expires_ms INTEGER NOT NULL
                );
                """)
        }
        return m
    }
}
