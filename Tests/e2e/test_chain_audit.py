"""Chain mode's privacy-officer tools and the agent's view of the chain (issue 14, docs/chain.md),
with the real peers: a PostgreSQL 15 cluster on a loopback port (Tests/Tools/pg-cluster.sh, with
--ssl and a throw-away CA for TLS), two `welkom run` agents as two stores with pty card scanners,
and the CLI as the privacy officer: `audit query|report --postgres`, /healthz's chain line, and
each sslmode against a server that offers TLS."""

import csv
import io
import json
import os
import re
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import Agent, ledger, wait_until, welkom
from test_chain import CHLOE, CHLOE_CARD, CHLOE_KEY, DANA, DANA_CARD, Store, chain, pg, psql  # noqa: F401 (chain: fixture)


def health(agent) -> tuple:
    """/healthz as (status, body): 503 is an answer here, not an error."""
    try:
        with urllib.request.urlopen(agent.metrics_url + "/healthz", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def jsonl(text) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def shipped(admin, store) -> int:
    return int(psql(admin, f"SELECT count(*) FROM welkom.ledger_entry WHERE store = '{store}'"))


def test_query_report_and_health_across_two_stores(workdir, chain, cleanup):
    directory, admin, key_file = chain
    logins = {name: welkom("chain", "store", "add", "--postgres", admin, "--store", name).stdout.strip()
              for name in ("den-haag", "delft")}
    central = ["--postgres", admin, "--key-file", key_file]
    welkom("consent", "enroll", *central, "--customer", CHLOE, "--scopes", "greeting,name", "--card", CHLOE_CARD,
           "--beacon-key", CHLOE_KEY)
    welkom("consent", "enroll", *central, "--customer", DANA, "--scopes", "greeting", "--card", DANA_CARD)
    stores = {name: Store(workdir, name, url, key_file, cleanup) for name, url in logins.items()}
    for s in stores.values():
        wait_until(lambda: s.scan(CHLOE_CARD), 30, f"{s.name} to recognise Chloé")
    assert stores["delft"].scan(DANA_CARD)

    # /healthz while connected: ok, and a chain line with the cursor, the lag and what waits to ship.
    for s in stores.values():
        def connected():
            status, body = health(s.agent)
            return (status, body) if "consent cursor" in body else None
        status, body = wait_until(connected, 30, f"{s.name}'s /healthz to show the chain")
        assert status == 200 and body.splitlines()[0] == "ok", body
        assert re.search(rf"chain: connected as store {s.name}; consent cursor \d+, change log read to its head "
                         r"\d+\.\d s ago \(lag\); \d+ ledger entr(y|ies) queued to ship", body), body

    # The database goes away: degraded, not unhealthy — 200, first line "degraded", since when and why.
    pg("stop", directory)
    for s in stores.values():
        def degraded():
            status, body = health(s.agent)
            return (status, body) if body.startswith("degraded") else None
        status, body = wait_until(degraded, 30, f"{s.name}'s /healthz to say the chain is unreachable")
        assert status == 200, body
        assert re.search(r"chain database unreachable since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: .+; recognising from local state", body), body
        assert s.scan(CHLOE_CARD), f"{s.name} stopped recognising while the database was down"
    pg("start", directory)
    for s in stores.values():
        wait_until(lambda: health(s.agent)[1].startswith("ok\n"), 30, f"{s.name}'s /healthz to be ok again")
        wait_until(lambda: shipped(admin, s.name) >= len(ledger(s.data)), 30, f"{s.name} to ship its entries")
    for s in stores.values():
        assert s.agent.stop() == 0

    # Read-only: the admin's sessions are made read-only, and query and report still work.
    psql(admin, "ALTER ROLE welkom SET default_transaction_read_only = on")
    try:
        # audit query --postgres: every store, each line naming its store, in the local query's format.
        everything = jsonl(welkom("audit", "query", "--postgres", admin).stdout)
        assert {e["store"] for e in everything} == {"den-haag", "delft"}
        assert all(list(e)[:2] == ["store", "seq"] for e in everything), everything[0]
        assert len(everything) == shipped(admin, "den-haag") + shipped(admin, "delft")
        for name, s in stores.items():
            for args in ([], ["--kind", "recognition"], ["--customer", CHLOE], ["--till", "1", "--kind", "recognition"],
                         ["--kind", "consent_given", "--kind", "recognition"], ["--from", "2000-01-01", "--until", "2999-01-01"]):
                local = jsonl(welkom("audit", "query", "--data", s.data, *args).stdout)
                remote = jsonl(welkom("audit", "query", "--postgres", admin, "--store", name, *args).stdout)
                assert [{k: v for k, v in e.items() if k != "store"} for e in remote] == local, (name, args)
                assert all(e["store"] == name for e in remote)
        recognitions = jsonl(welkom("audit", "query", "--postgres", admin, "--kind", "recognition", "--customer", DANA).stdout)
        assert [e["store"] for e in recognitions] == ["delft"], recognitions
        assert welkom("audit", "query", "--postgres", admin, "--from", "2999-01-01").stdout == ""
        # CSV: the local columns after a store column.
        rows = list(csv.reader(io.StringIO(welkom("audit", "query", "--postgres", admin, "--format", "csv",
                                                  "--kind", "recognition").stdout)))
        assert rows[0] == ["store", "seq", "time", "kind", "customer", "scheme", "till", "prompt", "detail", "hash", "record"]
        local_csv = list(csv.reader(io.StringIO(welkom("audit", "query", "--data", stores["delft"].data, "--format", "csv",
                                                       "--kind", "recognition").stdout)))
        assert [r[1:] for r in rows[1:] if r[0] == "delft"] == local_csv[1:]

        # audit report --postgres: one self-contained file, a section and charts per store, no one named.
        out = workdir / "chain-report.html"
        printed = welkom("audit", "report", "--postgres", admin, "--out", out).stdout
        assert "2 store(s)" in printed, printed
        html = out.read_text()
        for name in stores:
            for chart in ("chart-recognitions-by-scheme", "chart-recognitions-by-till", "chart-consents", "chart-retention"):
                assert f'id="{chart}-{name}"' in html, (chart, name)
            assert f'id="verdict-{name}" class="ok"' in html
        assert 'id="verdict" class="ok"' in html and "failed-stores" not in html
        assert 'data-series="card"' in html
        assert CHLOE not in html and DANA not in html and CHLOE_CARD not in html and "<script" not in html
        assert "Record of processing activities" in html
        one = workdir / "delft.html"
        welkom("audit", "report", "--postgres", admin, "--store", "delft", "--out", one)
        assert 'id="store-delft"' in one.read_text() and 'id="store-den-haag"' not in one.read_text()
    finally:
        # A session of its own that is not read-only, to take it back.
        reset = subprocess.run(["psql", admin, "-XAtc", "ALTER ROLE welkom RESET default_transaction_read_only"],
                               capture_output=True, text=True, timeout=60,
                               env={**os.environ, "PGOPTIONS": "-c default_transaction_read_only=off"})
        assert reset.returncode == 0, reset.stderr

    # A shipped entry altered centrally: the report names the store at the top, the other stays intact.
    psql(admin, "UPDATE welkom.ledger_entry SET leaf_hash = sha256(leaf_hash) WHERE store = 'delft' AND seq = 2")
    out = workdir / "tampered.html"
    p = welkom("audit", "report", "--postgres", admin, "--out", out)
    assert p.returncode == 0 and "store delft: FAILED" in p.stdout and "den-haag: FAILED" not in p.stdout, p.stdout
    html = out.read_text()
    box = html[html.index('id="failed-stores"'):html.index("</div>", html.index('id="failed-stores"'))]
    assert 'data-store="delft"' in box and "den-haag" not in box and "does NOT verify" in box, box
    assert html.index('id="failed-stores"') < html.index('id="stores"'), "the failing store is named before the rest"
    assert 'id="verdict-den-haag" class="ok"' in html and 'id="verdict-delft" class="bad"' in html
    assert welkom("audit", "verify", "--postgres", admin, check=False).returncode == 65

    # Exit codes as the other audit commands with --postgres: usage 64, unknown store 65, unreachable 74.
    p = welkom("audit", "query", "--postgres", admin, "--store", "utrecht", check=False)
    assert p.returncode == 65 and "no store \"utrecht\"" in p.stderr and p.stdout == "", (p.returncode, p.stderr)
    p = welkom("audit", "report", "--postgres", admin, "--store", "utrecht", "--out", workdir / "x.html", check=False)
    assert p.returncode == 65 and not (workdir / "x.html").exists()
    p = welkom("audit", "query", "--data", stores["delft"].data, "--store", "delft", check=False)
    assert p.returncode == 64 and "--store needs --postgres" in p.stderr
    pg("stop", directory)
    for command in (["query"], ["report", "--out", workdir / "y.html"]):
        p = welkom("audit", *command, "--postgres", admin, check=False)
        assert p.returncode == 74 and "cannot reach the chain database" in p.stderr, (command, p.stderr)
    pg("start", directory)


@pytest.fixture
def tls_chain(workdir):
    """A cluster serving TLS (pg-cluster.sh --ssl): its certificate, from a throw-away CA, names only
    localhost; URLs for each mode; removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="welkom-pg-"))
    parent.chmod(0o711)
    directory = parent / "cluster"
    plain = pg("start", directory, "--ssl")
    base = plain.split("?")[0]
    tls = directory / "tls"
    try:
        yield {
            "plain": plain,
            "require": base + "?sslmode=require",
            "verify-full": base.replace("@127.0.0.1:", "@localhost:") + f"?sslmode=verify-full&sslrootcert={tls / 'ca.crt'}",
            "wrong-ca": base.replace("@127.0.0.1:", "@localhost:") + f"?sslmode=verify-full&sslrootcert={tls / 'other-ca.crt'}",
            "wrong-name": base + f"?sslmode=verify-full&sslrootcert={tls / 'ca.crt'}",
        }
    finally:
        pg("remove", directory)
        parent.rmdir()


def test_tls_modes_for_the_cli_and_the_agent(workdir, tls_chain, cleanup):
    key_file = workdir / "chain.key"
    # The CLI with verify-full against the chain's CA: init, a store login that keeps both parameters.
    welkom("chain", "init", "--postgres", tls_chain["verify-full"], "--key-file", key_file)
    login = welkom("chain", "store", "add", "--postgres", tls_chain["verify-full"], "--store", "delft").stdout.strip()
    assert "sslmode=verify-full" in login and "sslrootcert=" in login and "@localhost:" in login, login
    # require: encrypted, the certificate not checked.
    assert "store delft: intact" in welkom("audit", "verify", "--postgres", tls_chain["require"]).stdout

    # Refused, saying why: a CA that did not sign the certificate; a name the certificate does not carry.
    p = welkom("audit", "verify", "--postgres", tls_chain["wrong-ca"], check=False)
    assert p.returncode == 74 and "the server's certificate is not signed by a trusted CA" in p.stderr, p.stderr
    assert "sslmode=verify-full" in p.stderr and "other-ca.crt" in p.stderr, p.stderr
    p = welkom("audit", "verify", "--postgres", tls_chain["wrong-name"], check=False)
    assert p.returncode == 74 and "does not name 127.0.0.1" in p.stderr, p.stderr
    password = tls_chain["plain"].split(":")[2].split("@")[0]
    assert password not in p.stderr

    # The agent with the store's verify-full login: connected, and its session is encrypted.
    data = workdir / "data"
    data.mkdir(mode=0o700)
    agent = Agent(workdir, data, extra_toml=f'[chain]\npostgres = "{login}"\nstore = "delft"\nkey_file = "{key_file}"\n')
    cleanup(agent.stop)
    wait_until(lambda: "chain: connected as store delft" in health(agent)[1], 30, "the agent to connect over TLS")
    assert psql(tls_chain["plain"], "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                                    "WHERE a.usename LIKE 'welkom_store_%'") == "t"
    assert agent.stop() == 0

    # The agent with the wrong CA: it starts, recognises from local state and says why on /healthz.
    wrong = login.replace("ca.crt", "other-ca.crt")
    other = workdir / "other"
    other.mkdir()
    (other / "data").mkdir(mode=0o700)
    agent = Agent(other, other / "data", extra_toml=f'[chain]\npostgres = "{wrong}"\nstore = "delft"\nkey_file = "{key_file}"\n')
    cleanup(agent.stop)
    status, body = wait_until(lambda: (lambda r: r if r[1].startswith("degraded") else None)(health(agent)), 30,
                              "the agent to report the refused certificate")
    assert status == 200 and "chain database unreachable since" in body, body
    assert "the server's certificate is not signed by a trusted CA" in body, body

    # A CA file that does not exist is a config error at start (exit 78), not an outage.
    missing = login.replace(str(Path(login.split("sslrootcert=")[1]).parent), "/nonexistent")
    bad = workdir / "bad.toml"
    bad.write_text(f'[data]\ndir = "{other / "data"}"\n\n[chain]\npostgres = "{missing}"\nstore = "delft"\nkey_file = "{key_file}"\n')
    p = subprocess.run([welkom.__globals__["WELKOM"], "run", "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78 and "sslrootcert /nonexistent" in p.stdout + p.stderr, (p.returncode, p.stdout, p.stderr)
