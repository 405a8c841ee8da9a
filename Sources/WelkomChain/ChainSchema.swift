import Foundation
import PostgresNIO

/// The central schema, as numbered migrations in the `welkom` schema. A migration is never edited
/// once released; a change is a new one appended here. `chain init` applies what is missing under
/// an advisory lock, in one transaction (PostgreSQL's DDL is transactional), so two inits at once
/// or an init that fails half-way leave the database as it was.
///
/// Roles: the login that runs `chain init` owns everything (it needs CREATEROLE). `welkom_store`
/// is the group of every store's login: it may read consents and the change log, append its own
/// ledger entries and checkpoints (row-level security on `store = welkom.current_store()`), and
/// report its contact through `welkom.store_contact` — nothing else.
public enum ChainSchema {
    public static let storeGroup = "welkom_store"
    /// Wakes every store's sync when a consent changes; the payload is the change's sequence number.
    public static let channel = "welkom_consent"

    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (1, "consents, stores, shipped ledger", [
            "CREATE SCHEMA IF NOT EXISTS welkom",
            "REVOKE ALL ON SCHEMA welkom FROM PUBLIC",
            // Holds the chain key's check value, never the key.
            """
            CREATE TABLE welkom.chain_meta (
                id int PRIMARY KEY CHECK (id = 1),
                key_check bytea NOT NULL
            )
            """,
            """
            CREATE TABLE welkom.store (
                id text PRIMARY KEY,
                role_name text UNIQUE NOT NULL,
                added timestamptz NOT NULL DEFAULT now(),
                last_contact timestamptz,
                consent_cursor bigint NOT NULL DEFAULT 0,
                ledger_queued bigint NOT NULL DEFAULT 0,
                public_key bytea
            )
            """,
            // What staff and auditors may see in clear; the keys only sealed under the chain key.
            """
            CREATE TABLE welkom.consent (
                customer text PRIMARY KEY,
                scopes text NOT NULL,
                name text,
                language text NOT NULL,
                enrolled_ms bigint NOT NULL,
                expires_ms bigint,
                consent_text_version text,
                note text,
                tags text,
                has_beacon_key boolean NOT NULL,
                has_eid boolean NOT NULL,
                has_irk boolean NOT NULL,
                card_count int NOT NULL,
                static_kinds text NOT NULL,
                key_material bytea NOT NULL,
                change_seq bigint NOT NULL
            )
            """,
            // Keyed fingerprints of every identifier: one owner each, no key in clear.
            """
            CREATE TABLE welkom.identifier (
                fingerprint bytea PRIMARY KEY,
                customer text NOT NULL REFERENCES welkom.consent(customer) ON DELETE CASCADE,
                what text NOT NULL
            )
            """,
            "CREATE INDEX identifier_customer ON welkom.identifier(customer)",
            // The stores' cursor: every change in order; whose, only sealed under the chain key.
            """
            CREATE TABLE welkom.consent_change (
                seq bigserial PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('enrolled', 'withdrawn', 'erased')),
                customer_sealed bytea NOT NULL,
                time timestamptz NOT NULL DEFAULT now()
            )
            """,
            // Consent receipts of central enrolments and withdrawals (ConsentReceipt JSON).
            """
            CREATE TABLE welkom.consent_receipt (
                id bigserial PRIMARY KEY,
                customer text,
                event text NOT NULL,
                receipt_id text NOT NULL,
                receipt text NOT NULL,
                time timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX consent_receipt_customer ON welkom.consent_receipt(customer)",
            """
            CREATE TABLE welkom.ledger_entry (
                store text NOT NULL REFERENCES welkom.store(id),
                seq bigint NOT NULL,
                time_ms bigint NOT NULL,
                kind text NOT NULL,
                leaf_hash bytea NOT NULL,
                record text NOT NULL,
                customer text,
                scheme text,
                till text,
                prompt text,
                detail text,
                receipt text,
                PRIMARY KEY (store, seq)
            )
            """,
            "CREATE INDEX ledger_entry_customer ON welkom.ledger_entry(customer) WHERE customer IS NOT NULL",
            """
            CREATE TABLE welkom.ledger_checkpoint (
                store text NOT NULL REFERENCES welkom.store(id),
                id bigint NOT NULL,
                tree_size bigint NOT NULL,
                root bytea NOT NULL,
                time_ms bigint NOT NULL,
                public_key bytea NOT NULL,
                signature bytea NOT NULL,
                PRIMARY KEY (store, id)
            )
            """,
            // The store a login belongs to (session_user: SET ROLE does not change it).
            """
            CREATE FUNCTION welkom.current_store() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = pg_catalog AS $$ SELECT id FROM welkom.store WHERE role_name = session_user $$
            """,
            // A store's only write outside its ledger: when it was last heard from, how far it read.
            """
            CREATE FUNCTION welkom.store_contact(cursor bigint, queued bigint, key bytea) RETURNS void
            LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
                UPDATE welkom.store SET last_contact = now(), consent_cursor = cursor, ledger_queued = queued,
                    public_key = COALESCE(public_key, key)
                WHERE role_name = session_user
            $$
            """,
            // An entry shipped after the customer's consent is gone (withdrawn or erased centrally
            // while it was queued) arrives unlinked, as the store's own copy now is.
            """
            CREATE FUNCTION welkom.unlink_departed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog AS $$
            BEGIN
                IF NEW.customer IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM welkom.consent WHERE customer = NEW.customer) THEN
                    NEW.customer := NULL;
                END IF;
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER ledger_entry_unlink_departed BEFORE INSERT ON welkom.ledger_entry
            FOR EACH ROW EXECUTE FUNCTION welkom.unlink_departed()
            """,
            // A store's signing key is the one on its first shipped checkpoint; later ones must match it.
            """
            CREATE FUNCTION welkom.remember_key() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog AS $$
            BEGIN
                UPDATE welkom.store SET public_key = NEW.public_key WHERE id = NEW.store AND public_key IS NULL;
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER ledger_checkpoint_remember_key AFTER INSERT ON welkom.ledger_checkpoint
            FOR EACH ROW EXECUTE FUNCTION welkom.remember_key()
            """,
            "ALTER TABLE welkom.ledger_entry ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE welkom.ledger_checkpoint ENABLE ROW LEVEL SECURITY",
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'welkom_store') THEN
                    CREATE ROLE welkom_store NOLOGIN;
                END IF;
            END $$
            """,
            // (SELECT …): evaluated once per statement, not once per row of a shipped batch.
            "CREATE POLICY own_entries ON welkom.ledger_entry TO welkom_store USING (store = (SELECT welkom.current_store())) WITH CHECK (store = (SELECT welkom.current_store()))",
            "CREATE POLICY own_checkpoints ON welkom.ledger_checkpoint TO welkom_store USING (store = (SELECT welkom.current_store())) WITH CHECK (store = (SELECT welkom.current_store()))",
            "GRANT USAGE ON SCHEMA welkom TO welkom_store",
            "GRANT SELECT ON welkom.consent, welkom.consent_change, welkom.chain_meta, welkom.schema_migration TO welkom_store",
            "GRANT SELECT, INSERT ON welkom.ledger_entry, welkom.ledger_checkpoint TO welkom_store",
            "REVOKE ALL ON FUNCTION welkom.store_contact(bigint, bigint, bytea) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION welkom.current_store() FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION welkom.store_contact(bigint, bigint, bytea), welkom.current_store() TO welkom_store",
        ]),
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Creates or migrates the schema; returns the versions applied now (empty: already current).
    /// Stores the chain key's check value on first init and refuses a key that does not match it.
    @discardableResult
    public static func migrate(_ db: ChainDatabase, key: ChainKey) async throws -> [Int] {
        try await db.transaction("init") {
            try await db.query("SELECT pg_advisory_xact_lock(7242014)", "init")
            try await db.query("CREATE SCHEMA IF NOT EXISTS welkom", "init")
            try await db.query("""
                CREATE TABLE IF NOT EXISTS welkom.schema_migration (
                    version int PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())
                """, "init")
            let done = Set(try await db.query("SELECT version FROM welkom.schema_migration", "init")
                .map { try $0.decode(Int.self) })
            if let newer = done.max(), newer > latestVersion {
                throw ChainError.schema("schema version \(newer) is newer than this Welkom knows (\(latestVersion)); upgrade Welkom")
            }
            var applied: [Int] = []
            for m in migrations where !done.contains(m.version) {
                try await db.execute(m.statements, "migration \(m.version) (\(m.name))")
                try await db.query("INSERT INTO welkom.schema_migration (version, name) VALUES (\(m.version), \(m.name))", "init")
                applied.append(m.version)
            }
            let check = try await db.query("SELECT key_check FROM welkom.chain_meta WHERE id = 1", "init")
            if let row = check.first {
                guard Array(try row.decode(Data.self)) == key.check else { throw ChainError.wrongKey }
            } else {
                try await db.query("INSERT INTO welkom.chain_meta (id, key_check) VALUES (1, \(Data(key.check)))", "init")
            }
            return applied
        }
    }

    /// Before any other use: the schema is there and current, and `key` is the chain's key.
    public static func check(_ db: ChainDatabase, key: ChainKey?) async throws {
        let version: Int?
        do {
            version = try await db.query("SELECT max(version) FROM welkom.schema_migration", "check schema")
                .first?.decode(Int?.self)
        } catch {
            throw ChainError.schema("no Welkom schema here (or no access to it): run `welkom chain init --postgres URL` as the chain's administrator (\(error))")
        }
        guard let version, version >= latestVersion else {
            throw ChainError.schema("schema version \(version ?? 0) is older than this Welkom's \(latestVersion): run `welkom chain init`")
        }
        guard version <= latestVersion else {
            throw ChainError.schema("schema version \(version) is newer than this Welkom knows (\(latestVersion)); upgrade Welkom")
        }
        if let key {
            let stored = try await db.query("SELECT key_check FROM welkom.chain_meta WHERE id = 1", "check key").first
            guard let stored, Array(try stored.decode(Data.self)) == key.check else { throw ChainError.wrongKey }
        }
    }
}
