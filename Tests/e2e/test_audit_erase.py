"""The privacy officer's commands end to end: erase leaves no trace of the customer in any file of
the data directory (WAL included) while the tree and the other entries' proofs still verify;
verify names a tampered entry and a tampered checkpoint; query, export CSV, stats, dsar, purge."""

import csv
import hashlib
import io
import json
import sqlite3

from conftest import ANNA_KEY, ledger_writer, welkom

BERT_KEY = "ffeeddccbbaa99887766554433221100"
ANNA = "anna-4c1e9d7a-erase-me"
BERT = "bert-0f5b22c8-keep-me"


def leaf_ok(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2, written from the RFC independently of the Swift code."""
    def node(a, b):
        return hashlib.sha256(b"\x01" + a + b).digest()
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def enrolled_store(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", ANNA, "--scopes", "greeting,name",
           "--beacon-key", ANNA_KEY, "--card", "4006381333931")
    welkom("consent", "enroll", "--data", data_dir, "--customer", BERT, "--scopes", "greeting", "--beacon-key", BERT_KEY)
    ledger_writer(data_dir, count=300, writers=3)


def all_bytes(data_dir):
    return {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}


def test_erase_leaves_no_trace_and_the_tree_still_verifies(data_dir):
    enrolled_store(data_dir)
    before = all_bytes(data_dir)
    assert any(ANNA.encode() in b for b in before.values())
    assert any(bytes.fromhex(ANNA_KEY) in b for b in before.values())

    out = welkom("audit", "erase", "--data", data_dir, "--customer", ANNA).stdout
    assert "erased" in out and "1 ledger record bodies deleted" in out, out

    for name, data in all_bytes(data_dir).items():
        assert ANNA.encode() not in data, f"{ANNA} is still in {name}"
        assert bytes.fromhex(ANNA_KEY) not in data, f"her beacon key is still in {name}"
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0
    assert welkom("consent", "list", "--data", data_dir, "--format", "jsonl").stdout.count("customer") == 1

    lines = welkom("audit", "export", "--data", data_dir, "--proofs").stdout.splitlines()
    checkpoint = json.loads(lines[-1])
    root = bytes.fromhex(checkpoint["root"])
    entries = [json.loads(l) for l in lines[:-1]]
    assert [e["kind"] for e in entries].count("erasure") == 1
    erased = [e for e in entries if e["record"] == "erased"]
    assert len(erased) == 1 and erased[0]["customer"] is None and erased[0]["receipt"] is None
    for e in entries:
        assert e["inclusion"] is not None
        assert leaf_ok(e["seq"] - 1, checkpoint["tree_size"], bytes.fromhex(e["hash"]),
                       [bytes.fromhex(p) for p in e["inclusion"]["path"]], root), e["seq"]
    # Running it again finds nothing.
    assert welkom("audit", "erase", "--data", data_dir, "--customer", ANNA, check=False).returncode == 65


def test_verify_names_a_tampered_entry_and_a_tampered_checkpoint(data_dir):
    enrolled_store(data_dir)
    welkom("audit", "dsar", "--data", data_dir, "--customer", BERT, "--sign-checkpoint")
    db = sqlite3.connect(data_dir / "ledger.sqlite")
    db.execute("UPDATE body SET till = 'X' || till WHERE seq = 57")
    db.commit()
    r = welkom("audit", "verify", "--data", data_dir, check=False)
    assert r.returncode == 65
    assert "BROKEN at entry 57" in r.stdout, r.stdout
    db.execute("UPDATE body SET till = substr(till, 2) WHERE seq = 57")
    db.commit()
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0
    db.execute("UPDATE checkpoint SET time_ms = time_ms + 1 WHERE id = 1")
    db.commit()
    db.close()
    r = welkom("audit", "verify", "--data", data_dir, check=False)
    assert r.returncode == 65 and "BROKEN at checkpoint 1" in r.stdout, r.stdout


def test_query_csv_stats_dsar_and_purge(data_dir, workdir):
    enrolled_store(data_dir)
    q = [json.loads(l) for l in welkom("audit", "query", "--data", data_dir, "--customer", ANNA).stdout.splitlines()]
    assert [e["kind"] for e in q] == ["consent_given"] and q[0]["receipt"]["scopes"] == ["greeting", "name"]
    assert sorted(q[0]["receipt"]["identifier_kinds"]) == ["card", "wlk1"]
    acks = welkom("audit", "query", "--data", data_dir, "--kind", "acknowledgement", "--till", "1").stdout.splitlines()
    assert acks and all(json.loads(l)["till"] == "1" for l in acks)
    none = welkom("audit", "query", "--data", data_dir, "--until", "2000-01-01").stdout
    assert none == ""

    rows = list(csv.DictReader(io.StringIO(welkom("audit", "export", "--data", data_dir, "--format", "csv").stdout)))
    assert len(rows) == 302 and rows[0]["customer"] == ANNA and rows[0]["record"] == "kept"

    stats = json.loads(welkom("audit", "stats", "--data", data_dir, "--format", "json").stdout)
    assert stats["entries"] == 302 and stats["by_kind"]["acknowledgement"] == 300

    package = json.loads(welkom("audit", "dsar", "--data", data_dir, "--customer", ANNA).stdout)
    assert package["customer"] == ANNA and package["consent"]["cards"] == 1
    assert "nl" in package["explanation"] and "en" in package["explanation"]
    assert BERT not in json.dumps(package)

    # Purge as if 40 days had passed: the staff actions lose their bodies, the consents stay.
    later = "2100-01-01"
    out = welkom("audit", "purge", "--data", data_dir, "--retention-days", "30", "--as-of", later).stdout
    assert "purged 300 record bodies" in out, out
    entries = [json.loads(l) for l in welkom("audit", "export", "--data", data_dir).stdout.splitlines()]
    assert [e["record"] for e in entries].count("purged") == 300
    assert entries[0]["customer"] == ANNA and entries[0]["record"] == "kept"
    assert entries[-1]["kind"] == "purge"
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0
    assert welkom("audit", "verify", "--data", data_dir, "--since-checkpoint", "1").returncode == 0


def test_dsar_holds_the_note_the_tags_and_each_identifier_kind_but_no_key(workdir, data_dir):
    """Issue 12, finding 5: every field held about the customer, and per kind of identifier the
    fact that it is held — never a key, a static identifier's value or a card number; the art. 30
    record in the report names the note as free text that may hold special categories, and says
    notes are off under policy.notes = false."""
    irk, eid, beacon = "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "11223344556677889900aabbccddeeff", "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    welkom("consent", "enroll", "--data", data_dir, "--customer", "dora", "--scopes", "greeting,notes,offers",
           "--name", "Dora", "--locale", "en", "--beacon-key", beacon, "--irk", irk, "--eid-key", eid,
           "--eid-exponent", "4", "--eid-epoch", "1700000000", "--static", "address:c0ffee001122",
           "--card", "2900000000001", "--tag", "vip", "--tag", "bakery", "--note", "allergic to nuts")
    text = welkom("audit", "dsar", "--data", data_dir, "--customer", "dora").stdout
    consent = json.loads(text)["consent"]
    assert consent["note"] == "allergic to nuts" and consent["tags"] == ["bakery", "vip"]
    assert consent["name"] == "Dora" and consent["locale"] == "en" and sorted(consent["scopes"]) == ["greeting", "notes", "offers"]
    assert (consent["beacon_key"], consent["eid_key"], consent["irk"], consent["static"], consent["cards"]) == \
        (True, True, True, ["address"], 1)
    assert len(consent["identifiers_held"]) == 5, consent["identifiers_held"]
    for secret in (irk, eid, beacon, "c0ffee001122", "2900000000001"):
        assert secret not in text.lower(), f"the package holds {secret}"
    explanation = json.loads(text)["explanation"]
    assert "allergic to nuts" in explanation["en"] and "allergic to nuts" in explanation["nl"]

    report = workdir / "report.html"
    welkom("audit", "report", "--data", data_dir, "--out", report)
    assert "No special categories" not in report.read_text()
    assert "allergic to nuts" in report.read_text()  # the record's example, not the customer's note
    config = workdir / "notes-off.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[policy]\nnotes = false\n')
    welkom("audit", "report", "--data", data_dir, "--out", report, "--config", config)
    assert "Staff notes are switched off (policy.notes = false)" in report.read_text()
