"""The CLI's outside contract: token vectors, config check, refusing bad input with exit codes."""

import json
from conftest import WELKOM, welkom

SPEC_KEY = "000102030405060708090a0b0c0d0e0f"


def test_token_matches_the_spec_vectors():
    out = welkom("token", "--beacon-key", SPEC_KEY, "--at", 1700000000).stdout.splitlines()
    assert out == ["fb7438f19ef470f50bb3dd56d8a2135c", "02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c"]
    assert welkom("token", "--beacon-key", SPEC_KEY, "--at", 1700000599).stdout.splitlines()[0] == \
        "8f9db5cc3d34197f11ec04336d601552"


def test_token_rejects_a_short_key():
    p = welkom("token", "--beacon-key", "0011", check=False)
    assert p.returncode == 64
    assert "32 hex digits" in p.stderr


def test_config_check_prints_defaults_with_recognition_off():
    p = welkom("config", "check")
    assert "enabled = false" in p.stdout
    assert "recognition is off" in p.stderr


def test_config_with_a_wrong_type_is_refused_with_file_line_and_key(workdir):
    bad = workdir / "bad.toml"
    bad.write_text('[data]\ndir = "/tmp/x"\n\n[recognition]\nenabled = "yes"\n')
    p = welkom("config", "check", bad, check=False)
    assert p.returncode == 78
    assert f"{bad}:5: recognition.enabled:" in p.stderr
    run = welkom("run", "--config", bad, check=False)
    assert run.returncode == 78
    assert f"{bad}:5: recognition.enabled:" in run.stderr


def test_enabled_without_dpia_reference_is_refused(workdir):
    cfg = workdir / "nodpia.toml"
    cfg.write_text("[recognition]\nenabled = true\n")
    p = welkom("config", "check", cfg, check=False)
    assert p.returncode == 78
    assert "dpia" in p.stderr.lower()


def test_corrupt_config_is_refused(workdir):
    cfg = workdir / "corrupt.toml"
    cfg.write_bytes(b"[recognition\n\x00\xff\xfe enabled = tru")
    p = welkom("config", "check", cfg, check=False)
    assert p.returncode == 78
    assert str(cfg) in p.stderr


def test_enrol_refuses_a_payment_card_and_stores_nothing(data_dir):
    p = welkom("consent", "enroll", "--data", data_dir, "--customer", "x", "--scopes", "greeting",
               "--card", ";4111111111111111=25121010000000000000?", check=False)
    assert p.returncode != 0
    assert "payment card" in p.stderr
    assert "4111111111111111" not in p.stderr
    assert welkom("consent", "list", "--data", data_dir, "--format", "jsonl").stdout == ""


def test_enrol_list_and_registry_never_holds_the_card_number(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "c-42", "--scopes", "greeting,offers",
           "--card", "4006381333931", "--locale", "en")
    table = welkom("consent", "list", "--data", data_dir).stdout
    assert "c-42" in table and "greeting,offers" in table
    line = json.loads(welkom("consent", "list", "--data", data_dir, "--format", "jsonl").stdout)
    assert list(line) == ["customer", "scopes", "name", "locale", "beacon_key", "cards", "enrolled", "expires",
                          "consent_text_version", "eid_key", "irk", "static", "tags"], line
    assert (line["customer"], line["scopes"], line["cards"], line["name"]) == ("c-42", ["greeting", "offers"], 1, None)
    stored = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.is_file())
    assert b"4006381333931" not in stored
    pepper = data_dir / "card-pepper.key"
    assert pepper.stat().st_mode & 0o777 == 0o600
    assert len(pepper.read_bytes()) == 32


def test_read_only_commands_refuse_a_missing_data_directory(workdir):
    missing = workdir / "typo"
    for args in (["audit", "verify"], ["audit", "export"], ["consent", "list"]):
        p = welkom(*args, "--data", missing, check=False)
        assert p.returncode == 66, (args, p.stdout, p.stderr)
        assert "no such data directory" in p.stderr
    assert not missing.exists(), "a read-only command created the data directory"


def test_demo_says_clearly_when_its_port_is_taken():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = welkom("demo", "--port", port, "--duration", 5, check=False)
    assert p.returncode != 0
    assert f"cannot serve the till pages on 127.0.0.1:{port}" in p.stderr
    assert "Address already in use" in p.stderr


def test_import_checks_every_line_before_enrolling_any(workdir, data_dir):
    good = '{"customer":"c1","scopes":["greeting","name"],"name":"Daan","beacon_key":"0f0e0d0c0b0a09080706050403020100"}'
    bad_scope = '{"customer":"c2","scopes":"greeting,nmae","cards":["4006381333931"]}'
    payment = '{"customer":"c3","scopes":"greeting","cards":[";4111111111111111=25121010000000000000?"]}'
    jsonl = workdir / "consents.jsonl"
    jsonl.write_text("\n".join([good, bad_scope, "not json", payment]) + "\n")
    p = welkom("consent", "import", "--data", data_dir, jsonl, check=False)
    assert p.returncode == 65
    assert f"{jsonl}:2:" in p.stderr and "nmae" in p.stderr
    assert f"{jsonl}:3:" in p.stderr
    assert f"{jsonl}:4:" in p.stderr and "payment card" in p.stderr and "4111111111111111" not in p.stderr
    assert "nothing imported" in p.stderr
    assert welkom("consent", "list", "--data", data_dir, "--format", "jsonl").stdout == ""

    jsonl.write_text(good + "\n")
    assert "imported 1 consent" in welkom("consent", "import", "--data", data_dir, jsonl).stdout
    listed = welkom("consent", "export", "--data", data_dir).stdout
    assert '"customer":"c1"' in listed and '"beacon_key":true' in listed
    assert "0f0e0d0c0b0a0908" not in listed  # export never carries key material


def test_config_check_without_a_path_checks_the_file_run_reads(workdir):
    """Issue 12, finding 8: the default path (/etc/welkom/welkom.toml, here moved by WELKOM_CONFIG
    as the contract allows) is what `config check` checks — a file `run` refuses with 78 is
    refused here too, and the output names the file; absent, the embedded defaults, said so."""
    import os
    bad = workdir / "etc-welkom.toml"
    bad.write_text('[recognition]\nenabled = "yes"\n')
    env = {**os.environ, "WELKOM_CONFIG": str(bad)}
    p = welkom("config", "check", check=False, env=env)
    assert p.returncode == 78, p.stdout + p.stderr
    assert f"{bad}:2" in p.stderr, p.stderr
    good = workdir / "good.toml"
    good.write_text('[till_display]\nlisten = "127.0.0.1:9191"\n')
    p = welkom("config", "check", env={**os.environ, "WELKOM_CONFIG": str(good)})
    assert f"checked {good}" in p.stderr and 'listen = "127.0.0.1:9191"' in p.stdout, p.stdout + p.stderr
    p = welkom("config", "check", env={**os.environ, "WELKOM_CONFIG": str(workdir / "absent.toml")})
    assert "absent" in p.stderr and "embedded defaults" in p.stderr, p.stderr


def test_till_pair_prints_the_configured_scheme_and_port(workdir, data_dir):
    config = workdir / "till.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[till_display]\nlisten = "0.0.0.0:9443"\n')
    out = welkom("till", "pair", "--till", "1", "--config", config).stdout
    assert "http://GATEWAY:9443/pair" in out, out
    assert "8080" not in out, out
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[till_display]\nlisten = "127.0.0.1:9444"\n')
    out = welkom("till", "pair", "--till", "1", "--config", config).stdout
    assert "http://127.0.0.1:9444/pair" in out, out


def test_till_revoke_takes_a_pairing_id_that_starts_with_a_dash(workdir, data_dir):
    """Issue 12, finding 7: 1 in 64 IDs made before this fix start with '-'."""
    import sqlite3
    welkom("till", "pair", "--till", "1", "--data", data_dir)  # creates the store
    db = sqlite3.connect(data_dir / "till-pairings.sqlite")
    columns = [row[1] for row in db.execute("PRAGMA table_info(pairing)")]
    for pairing in ("-abc123xyz", "-def456uvw"):
        values = {"id": pairing, "till": "1", "token_hash": pairing * 4, "created": 1.0, "expires": 4e9}
        # Columns the test does not know (a later migration's, such as role) keep their defaults.
        known = [c for c in columns if c in values]
        db.execute(f"INSERT INTO pairing ({','.join(known)}) VALUES ({','.join('?' * len(known))})",
                   [values[c] for c in known])
    db.commit()
    db.close()
    assert welkom("till", "revoke", "--id", "-abc123xyz", "--data", data_dir).stdout.strip() == "revoked pairing -abc123xyz"
    assert welkom("till", "revoke", "--data", data_dir, "--", "-def456uvw").stdout.strip() == "revoked pairing -def456uvw"
    assert "no paired displays" in welkom("till", "pairings", "--data", data_dir).stdout
