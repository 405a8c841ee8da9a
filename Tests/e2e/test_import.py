"""`consent import` is all or nothing (issue 12, finding 6), and every field has a limit at every
entry point (finding 7): the CLI's import and enroll, and what `consent list` prints of old data.
The earlier import contract (every line checked first) is in test_cli.py."""

import json
import sqlite3

from conftest import ledger, welkom


def line(customer, card, **extra) -> str:
    return json.dumps({"customer": customer, "scopes": "greeting", "cards": [card], **extra})


def state(data_dir):
    listed = welkom("consent", "list", "--data", data_dir, "--format", "jsonl").stdout.splitlines()
    entries = len(ledger(data_dir)) if (data_dir / "ledger.sqlite").exists() else 0
    return ([json.loads(x) for x in listed], entries)


def test_an_import_with_one_bad_line_imports_nothing(workdir, data_dir):
    """The issue's case: the card of line 2 already belongs to another customer. Only the registry
    can tell; it refuses the whole batch in its one transaction, and the ledger records nothing."""
    welkom("consent", "enroll", "--data", data_dir, "--customer", "owner", "--scopes", "greeting", "--card", "96385074")
    before = state(data_dir)
    jsonl = workdir / "batch.jsonl"
    jsonl.write_text("\n".join([line("c1", "8712345678906"), line("c2", "96385074"), line("c3", "123456789")]) + "\n")
    p = welkom("consent", "import", "--data", data_dir, jsonl, check=False)
    assert p.returncode == 65, p.stderr
    assert "card 1 is already enrolled for another customer" in p.stderr and "nothing imported" in p.stderr
    assert state(data_dir) == before


def test_unknown_keys_duplicates_and_control_characters_are_refused_with_line_numbers(workdir, data_dir):
    jsonl = workdir / "bad.jsonl"
    jsonl.write_text("\n".join([
        line("c1", "8712345678906", expiry="2030-01-01"),     # 1: "expiry" for "expires"
        line("c2", "96385074"),                               # 2
        line("c2", "123456789"),                              # 3: c2 again
        line("c4", "96385074"),                               # 4: line 2's card
        line("c5\u0000c6", "4006381333931"),                  # 5: a NUL in the ID
        line("c7\u001b[2J", "12345678901"),                   # 6: a terminal escape in the ID
    ]) + "\n")
    p = welkom("consent", "import", "--data", data_dir, jsonl, check=False)
    assert p.returncode == 65, p.stderr
    err = p.stderr
    assert f'{jsonl}:1: unknown key "expiry" (did you mean "expires"?)' in err, err
    assert f'{jsonl}:3: customer "c2" is already on line 2' in err, err
    assert f"{jsonl}:4: card #1 is already on line 2" in err, err
    assert f"{jsonl}:5: --customer holds a control character at position 3" in err, err
    assert f"{jsonl}:6: --customer holds a control character at position 3" in err, err
    assert "\x1b" not in err and "\x00" not in err
    assert "nothing imported" in err
    assert state(data_dir) == ([], 0)


def test_field_limits_at_enroll_and_import(workdir, data_dir):
    cases = [
        (["--customer", "x" * 65], "--customer is 65 bytes long, at most 64 allowed"),
        (["--customer", "c1", "--name", "n" * 81], "--name is 81 bytes long, at most 80 allowed"),
        (["--customer", "c1", "--note", "n" * 501], "--note is 501 bytes long, at most 500 allowed"),
        (["--customer", "c1", "--tag", "t" * 65], "--tag #1 must be 1–64 letters"),
        (["--customer", "c1\nc2"], "--customer holds a control character at position 3"),
    ]
    for args, message in cases:
        p = welkom("consent", "enroll", "--data", data_dir, "--scopes", "greeting", "--card", "8712345678906", *args,
                   check=False)
        assert p.returncode == 64 and message in p.stderr, (args, p.stderr)
    jsonl = workdir / "long.jsonl"
    jsonl.write_text(line("c1", "8712345678906", name="n" * 20_000) + "\n")
    p = welkom("consent", "import", "--data", data_dir, jsonl, check=False)
    assert p.returncode == 65 and f"{jsonl}:1: line of" in p.stderr, p.stderr
    jsonl.write_text(line("c1", "8712345678906", note="n" * 501) + "\n")
    p = welkom("consent", "import", "--data", data_dir, jsonl, check=False)
    assert p.returncode == 65 and f"{jsonl}:1: --note is 501 bytes long" in p.stderr, p.stderr
    assert state(data_dir) == ([], 0)


def test_consent_list_escapes_control_characters_of_old_data(data_dir):
    """A consent stored before IDs were checked may hold a newline or a terminal escape: the table
    prints it escaped, never raw."""
    welkom("consent", "enroll", "--data", data_dir, "--customer", "old", "--scopes", "greeting", "--card", "8712345678906")
    with sqlite3.connect(data_dir / "registry.sqlite") as db:
        db.execute("UPDATE consent SET customer = ? WHERE customer = 'old'", ("old\x1b[2J\nx",))
    out = welkom("consent", "list", "--data", data_dir).stdout
    assert "\x1b" not in out
    assert "old\\u{1B}[2J\\u{A}x" in out, out
    assert len(out.splitlines()) == 3, out
