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
/// report its contact through `welkom.store_contact`, and (migration 2) enrol a new customer or
/// withdraw one at its desk through `welkom.store_enrol` / `welkom.store_withdraw`, and (migration 3)
/// record or remove a card's "do not ask" through `welkom.store_do_not_ask` / `welkom.store_do_not_ask_remove` — nothing else.
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
        // The desk of a store in chain mode (docs/chain.md, "The desk in chain mode"): a store's login
        // may enrol a new customer and withdraw one, only through these two functions, which check
        // their input, stamp the calling store on the receipt and announce the change as the central
        // commands do. They run as the chain's owner; the login still has no write on any table.
        (2, "desk enrolment and withdrawal by a store", [
            "ALTER TABLE welkom.consent_receipt ADD COLUMN store text",
            """
            CREATE FUNCTION welkom.store_enrol(p_customer text, p_scopes text, p_name text, p_language text,
                p_expires_ms bigint, p_text_version text, p_key_material bytea, p_customer_sealed bytea,
                p_fingerprints text[], p_whats text[], p_receipt text) RETURNS bigint
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            DECLARE
                v_store text := welkom.current_store();
                v_receipt jsonb;
                v_seq bigint;
            BEGIN
                IF v_store IS NULL THEN
                    RAISE EXCEPTION 'only a store''s login enrols at a desk' USING ERRCODE = '42501';
                END IF;
                -- A store only ever adds a new customer of its own making: it can change no one else's consent.
                IF p_customer IS NULL OR p_customer !~ '^desk-[0-9a-f]{16}$' THEN
                    RAISE EXCEPTION 'a desk enrolment''s customer ID is desk- and 16 hex digits' USING ERRCODE = '22023';
                END IF;
                IF p_scopes IS NULL OR p_scopes = '' OR NOT (string_to_array(p_scopes, ',') <@ ARRAY['greeting', 'name', 'offers', 'notes']) THEN
                    RAISE EXCEPTION 'scopes must be some of greeting,name,offers,notes' USING ERRCODE = '22023';
                END IF;
                IF p_language IS NULL OR p_language NOT IN ('nl', 'en') THEN
                    RAISE EXCEPTION 'language must be nl or en' USING ERRCODE = '22023';
                END IF;
                IF p_name IS NOT NULL AND (length(p_name) > 200 OR NOT 'name' = ANY(string_to_array(p_scopes, ','))) THEN
                    RAISE EXCEPTION 'a name only with the name scope, at most 200 characters' USING ERRCODE = '22023';
                END IF;
                IF p_text_version IS NULL OR length(p_text_version) > 64 OR p_expires_ms IS NOT NULL THEN
                    RAISE EXCEPTION 'a desk enrolment has a consent text version and no expiry' USING ERRCODE = '22023';
                END IF;
                IF p_key_material IS NULL OR length(p_key_material) NOT BETWEEN 28 AND 4096
                   OR p_customer_sealed IS NULL OR length(p_customer_sealed) NOT BETWEEN 28 AND 256 THEN
                    RAISE EXCEPTION 'key material and customer must be sealed under the chain key' USING ERRCODE = '22023';
                END IF;
                IF cardinality(p_fingerprints) IS DISTINCT FROM cardinality(p_whats) OR cardinality(p_whats) NOT BETWEEN 1 AND 2
                   OR NOT (p_whats <@ ARRAY['card 1', 'beacon key']) OR NOT 'card 1' = ANY(p_whats)
                   OR EXISTS (SELECT 1 FROM unnest(p_fingerprints) f WHERE f !~ '^[0-9a-f]{64}$') THEN
                    RAISE EXCEPTION 'a desk enrolment has one card and at most a beacon key' USING ERRCODE = '22023';
                END IF;
                v_receipt := p_receipt::jsonb;
                IF v_receipt->>'event' IS DISTINCT FROM 'given' OR v_receipt->>'collection_method' IS DISTINCT FROM 'till'
                   OR v_receipt->>'consent_receipt_id' IS NULL THEN
                    RAISE EXCEPTION 'the receipt must be a consent given at the till' USING ERRCODE = '22023';
                END IF;
                -- Writers take the change log in turn, as ChainRegistry does.
                LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE;
                IF EXISTS (SELECT 1 FROM welkom.consent WHERE customer = p_customer) THEN
                    RAISE EXCEPTION 'customer % is already enrolled', p_customer USING ERRCODE = 'WK409';
                END IF;
                IF EXISTS (SELECT 1 FROM welkom.identifier WHERE fingerprint IN (SELECT decode(f, 'hex') FROM unnest(p_fingerprints) f)) THEN
                    RAISE EXCEPTION 'this card or key is already enrolled' USING ERRCODE = 'WK409';
                END IF;
                INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES ('enrolled', p_customer_sealed) RETURNING seq INTO v_seq;
                INSERT INTO welkom.consent (customer, scopes, name, language, enrolled_ms, expires_ms, consent_text_version,
                    note, tags, has_beacon_key, has_eid, has_irk, card_count, static_kinds, key_material, change_seq)
                VALUES (p_customer, p_scopes, p_name, p_language, (extract(epoch FROM now()) * 1000)::bigint, NULL, p_text_version,
                    NULL, NULL, 'beacon key' = ANY(p_whats), false, false, 1, '', p_key_material, v_seq);
                INSERT INTO welkom.identifier (fingerprint, customer, what)
                SELECT decode(f, 'hex'), p_customer, w FROM unnest(p_fingerprints, p_whats) AS u(f, w);
                INSERT INTO welkom.consent_receipt (customer, event, receipt_id, receipt, store)
                VALUES (p_customer, 'given', v_receipt->>'consent_receipt_id', p_receipt, v_store);
                PERFORM pg_notify('welkom_consent', '');
                RETURN v_seq;
            END $$
            """,
            """
            CREATE FUNCTION welkom.store_withdraw(p_customer text, p_customer_sealed bytea, p_receipt text) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            DECLARE
                v_store text := welkom.current_store();
                v_receipt jsonb;
                v_deleted boolean;
                v_ended text[];
                v_entries int;
            BEGIN
                IF v_store IS NULL THEN
                    RAISE EXCEPTION 'only a store''s login withdraws at a till' USING ERRCODE = '42501';
                END IF;
                IF p_customer IS NULL OR p_customer = '' OR length(p_customer) > 200 THEN
                    RAISE EXCEPTION 'no customer ID to withdraw' USING ERRCODE = '22023';
                END IF;
                IF p_customer_sealed IS NULL OR length(p_customer_sealed) NOT BETWEEN 28 AND 256 THEN
                    RAISE EXCEPTION 'the customer must be sealed under the chain key' USING ERRCODE = '22023';
                END IF;
                v_receipt := p_receipt::jsonb;
                IF v_receipt->>'event' IS DISTINCT FROM 'withdrawn' OR v_receipt->>'collection_method' IS DISTINCT FROM 'till'
                   OR v_receipt->>'consent_receipt_id' IS NULL THEN
                    RAISE EXCEPTION 'the receipt must be a withdrawal at the till' USING ERRCODE = '22023';
                END IF;
                LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE;
                -- What `consent withdraw --postgres` does (ChainRegistry.withdraw), in the same order.
                DELETE FROM welkom.consent WHERE customer = p_customer;
                v_deleted := FOUND;
                WITH ended AS (
                    UPDATE welkom.consent_receipt SET customer = NULL WHERE customer = p_customer AND event = 'given'
                    RETURNING receipt_id)
                SELECT COALESCE(array_agg(receipt_id), '{}') INTO v_ended FROM ended;
                UPDATE welkom.ledger_entry SET customer = NULL WHERE customer = p_customer;
                GET DIAGNOSTICS v_entries = ROW_COUNT;
                IF NOT v_deleted AND cardinality(v_ended) = 0 AND v_entries = 0 THEN
                    RETURN false;
                END IF;
                INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES ('withdrawn', p_customer_sealed);
                INSERT INTO welkom.consent_receipt (customer, event, receipt_id, receipt, store)
                VALUES (NULL, 'withdrawn', v_receipt->>'consent_receipt_id',
                        jsonb_set(v_receipt, '{ends_receipts}', to_jsonb(v_ended))::text, v_store);
                PERFORM pg_notify('welkom_consent', '');
                RETURN true;
            END $$
            """,
            "REVOKE ALL ON FUNCTION welkom.store_enrol(text, text, text, text, bigint, text, bytea, bytea, text[], text[], text) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION welkom.store_withdraw(text, bytea, text) FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION welkom.store_enrol(text, text, text, text, bigint, text, bytea, bytea, text[], text[], text), welkom.store_withdraw(text, bytea, text) TO welkom_store",
        ]),
        // "Do not ask" from a store's desk, kept centrally so every store honours it (docs/chain.md,
        // "The desk in chain mode"). A row holds what a store's local marker holds — the card's keyed
        // fingerprint (as welkom.identifier keys cards), the card sealed under the chain key so each
        // store can derive its own pseudonym, the expiry — and the store and its receipt. Changes
        // travel the change log as 'do_not_ask' / 'do_not_ask_removed' / 'do_not_ask_erased' with the sealed card.
        (3, "do not ask from a store's desk", [
            "ALTER TABLE welkom.consent_change DROP CONSTRAINT consent_change_kind_check",
            "ALTER TABLE welkom.consent_change ADD CONSTRAINT consent_change_kind_check CHECK (kind IN ('enrolled', 'withdrawn', 'erased', 'do_not_ask', 'do_not_ask_removed', 'do_not_ask_erased'))",
            """
            CREATE TABLE welkom.do_not_ask (
                fingerprint bytea PRIMARY KEY,
                card_sealed bytea NOT NULL,
                created_ms bigint NOT NULL,
                expires_ms bigint NOT NULL,
                store text NOT NULL,
                receipt_id text NOT NULL,
                receipt text NOT NULL
            )
            """,
            // Removal in one place: the row goes and every store hears of it — 'do_not_ask_removed'
            // (taken back, or enrolled after all: stores unlink their records) or 'do_not_ask_erased'
            // (erasure: stores delete their records' bodies). Not granted to stores.
            """
            CREATE FUNCTION welkom.drop_do_not_ask(p_fingerprint bytea, p_kind text) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            DECLARE
                v_sealed bytea;
            BEGIN
                DELETE FROM welkom.do_not_ask WHERE fingerprint = p_fingerprint RETURNING card_sealed INTO v_sealed;
                IF NOT FOUND THEN
                    RETURN false;
                END IF;
                INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES (p_kind, v_sealed);
                PERFORM pg_notify('welkom_consent', '');
                RETURN true;
            END $$
            """,
            """
            CREATE FUNCTION welkom.store_do_not_ask(p_fingerprint text, p_card_sealed bytea, p_expires_ms bigint, p_receipt text)
            RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            DECLARE
                v_store text := welkom.current_store();
                v_receipt jsonb;
                v_now bigint := (extract(epoch FROM now()) * 1000)::bigint;
                v_seq bigint;
            BEGIN
                IF v_store IS NULL THEN
                    RAISE EXCEPTION 'only a store''s login records "do not ask" at a desk' USING ERRCODE = '42501';
                END IF;
                IF p_fingerprint IS NULL OR p_fingerprint !~ '^[0-9a-f]{64}$' THEN
                    RAISE EXCEPTION 'the card''s fingerprint is 64 hex digits' USING ERRCODE = '22023';
                END IF;
                IF p_card_sealed IS NULL OR length(p_card_sealed) NOT BETWEEN 28 AND 256 THEN
                    RAISE EXCEPTION 'the card must be sealed under the chain key' USING ERRCODE = '22023';
                END IF;
                IF p_expires_ms IS NULL OR p_expires_ms <= v_now OR p_expires_ms > v_now + 3650::bigint * 86400000 THEN
                    RAISE EXCEPTION 'a "do not ask" expires in the future, within 3650 days' USING ERRCODE = '22023';
                END IF;
                v_receipt := p_receipt::jsonb;
                IF v_receipt->>'event' IS DISTINCT FROM 'do_not_ask' OR v_receipt->>'collection_method' IS DISTINCT FROM 'till'
                   OR v_receipt->>'consent_receipt_id' IS NULL THEN
                    RAISE EXCEPTION 'the receipt must be a "do not ask" at the till' USING ERRCODE = '22023';
                END IF;
                LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE;
                IF EXISTS (SELECT 1 FROM welkom.identifier WHERE fingerprint = decode(p_fingerprint, 'hex')) THEN
                    RAISE EXCEPTION 'this card is enrolled' USING ERRCODE = 'WK409';
                END IF;
                INSERT INTO welkom.do_not_ask (fingerprint, card_sealed, created_ms, expires_ms, store, receipt_id, receipt)
                VALUES (decode(p_fingerprint, 'hex'), p_card_sealed, v_now, p_expires_ms, v_store, v_receipt->>'consent_receipt_id', p_receipt)
                ON CONFLICT (fingerprint) DO UPDATE SET card_sealed = EXCLUDED.card_sealed, expires_ms = EXCLUDED.expires_ms,
                    store = EXCLUDED.store, receipt_id = EXCLUDED.receipt_id, receipt = EXCLUDED.receipt;
                INSERT INTO welkom.consent_change (kind, customer_sealed) VALUES ('do_not_ask', p_card_sealed) RETURNING seq INTO v_seq;
                PERFORM pg_notify('welkom_consent', '');
                RETURN v_seq;
            END $$
            """,
            // The customer takes it back at a desk (a withdrawal by card).
            """
            CREATE FUNCTION welkom.store_do_not_ask_remove(p_fingerprint text) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
            BEGIN
                IF welkom.current_store() IS NULL THEN
                    RAISE EXCEPTION 'only a store''s login removes "do not ask" at a desk' USING ERRCODE = '42501';
                END IF;
                IF p_fingerprint IS NULL OR p_fingerprint !~ '^[0-9a-f]{64}$' THEN
                    RAISE EXCEPTION 'the card''s fingerprint is 64 hex digits' USING ERRCODE = '22023';
                END IF;
                LOCK TABLE welkom.consent_change IN EXCLUSIVE MODE;
                RETURN welkom.drop_do_not_ask(decode(p_fingerprint, 'hex'), 'do_not_ask_removed');
            END $$
            """,
            // Enrolled after all (at any desk or centrally): the card's "do not ask" no longer stands.
            """
            CREATE FUNCTION welkom.enrolled_drops_do_not_ask() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = pg_catalog AS $$
            BEGIN
                PERFORM welkom.drop_do_not_ask(NEW.fingerprint, 'do_not_ask_removed');
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER identifier_drops_do_not_ask AFTER INSERT ON welkom.identifier
            FOR EACH ROW EXECUTE FUNCTION welkom.enrolled_drops_do_not_ask()
            """,
            "GRANT SELECT ON welkom.do_not_ask TO welkom_store",
            "REVOKE ALL ON FUNCTION welkom.drop_do_not_ask(bytea, text) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION welkom.store_do_not_ask(text, bytea, bigint, text) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION welkom.store_do_not_ask_remove(text) FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION welkom.store_do_not_ask(text, bytea, bigint, text), welkom.store_do_not_ask_remove(text) TO welkom_store",
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
