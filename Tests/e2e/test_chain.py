"""Chain mode (issue 14, docs/chain.md) with the real peers: a PostgreSQL 15 cluster started here on
a loopback port (Tests/Tools/pg-cluster.sh), two `welkom run` agents as two stores, each with a pty
card scanner (socat), and the CLI as the service desk and the privacy officer."""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, Agent, ledger, wait_until, welkom
from test_cards import ScannerLine

PG = ROOT / "Tests" / "Tools" / "pg-cluster.sh"
CHLOE = "chloe-7f3a91"
CHLOE_CARD = "4006381333931"
CHLOE_KEY = "c0ffee00112233445566778899aabbcc"
DANA = "dana-20b4"
DANA_CARD = "8712345678906"


def pg(command, directory, *options) -> str:
    p = subprocess.run(["sh", str(PG), command, str(directory), *options], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        pytest.fail(f"the PostgreSQL rig could not {command}: {p.stderr}")
    return p.stdout.strip()


def psql(url, sql) -> str:
    p = subprocess.run(["psql", url, "-XAtc", sql], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def chain_status(admin) -> list:
    out = welkom("chain", "status", "--postgres", admin, "--format", "jsonl").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class Store:
    """One store: its data directory, its scanner line and its agent in chain mode."""

    def __init__(self, root: Path, name: str, url: str, key_file: Path, cleanup):
        self.name = name
        self.workdir = root / name
        self.workdir.mkdir()
        self.data = self.workdir / "data"
        self.data.mkdir(mode=0o700)
        self.scanner = ScannerLine(self.workdir)
        cleanup(self.scanner.stop)
        reader = f'[[reader]]\nkind = "serial"\npath = "{self.scanner.device}"\ntill = "1"\n'
        chain = f'[chain]\npostgres = "{url}"\nstore = "{name}"\nkey_file = "{key_file}"\n'
        self.agent = Agent(self.workdir, self.data, radio="", readers_toml=reader, extra_toml=chain, cooldown_minutes=0)
        cleanup(self.agent.stop)
        wait_until(lambda: "card reader open" in self.agent.process.output(), 30, f"{name} to open its scanner")

    def scan(self, card) -> bool:
        """Scans `card` once; True when the store recognised it, False when it matched nobody."""
        hits = self.agent.counter("welkom_recognitions_total", scheme="card")
        misses = self.agent.counter("welkom_sightings_unmatched_total", source="card")
        self.scanner.send(card)
        return wait_until(lambda: ("hit" if self.agent.counter("welkom_recognitions_total", scheme="card") > hits else
                                   "miss" if self.agent.counter("welkom_sightings_unmatched_total", source="card") > misses
                                   else None), 20, f"{self.name} to judge the scan") == "hit"


@pytest.fixture
def chain(workdir):
    """The chain's database: initialised, with its key file; removed afterwards. The cluster lives
    outside `workdir` (0700): as root it runs as `nobody`, who must reach its directory."""
    parent = Path(tempfile.mkdtemp(prefix="welkom-pg-"))
    parent.chmod(0o711)
    directory = parent / "cluster"
    url = pg("start", directory)
    key_file = workdir / "chain.key"
    try:
        welkom("chain", "init", "--postgres", url, "--key-file", key_file)
        yield directory, url, key_file
    finally:
        pg("remove", directory)
        parent.rmdir()


def test_two_stores_follow_the_chain_registry(workdir, chain, cleanup):
    directory, admin, key_file = chain
    logins = {name: welkom("chain", "store", "add", "--postgres", admin, "--store", name).stdout.strip()
              for name in ("den-haag", "delft")}
    assert all(url.startswith("postgres://welkom_store_") for url in logins.values())
    central = ["--postgres", admin, "--key-file", key_file]
    welkom("consent", "enroll", *central, "--customer", CHLOE, "--scopes", "greeting,name", "--name", "Chloé",
           "--card", CHLOE_CARD, "--beacon-key", CHLOE_KEY)
    # Listing needs no chain key: summaries only, the key material stays sealed.
    listed = [json.loads(line) for line in welkom("consent", "list", "--postgres", admin, "--format", "jsonl").stdout.splitlines()]
    assert [(c["customer"], c["cards"], c["beacon_key"]) for c in listed] == [(CHLOE, 1, True)], listed
    stores = [Store(workdir, name, url, key_file, cleanup) for name, url in logins.items()]

    # Enrolled centrally: recognised at both stores.
    for s in stores:
        wait_until(lambda: s.scan(CHLOE_CARD), 30, f"{s.name} to recognise Chloé")

    # A second customer enrolled while the stores run reaches both too.
    welkom("consent", "enroll", *central, "--customer", DANA, "--scopes", "greeting", "--card", DANA_CARD)
    for s in stores:
        wait_until(lambda: s.scan(DANA_CARD), 10, f"{s.name} to recognise Dana")

    # Withdrawn centrally: neither store recognises the next scan 2 s later. Measured: the time until
    # each store first refuses the card (scanning every 50 ms).
    started = time.monotonic()
    welkom("consent", "withdraw", *central, "--customer", DANA)
    propagation = {}
    while len(propagation) < len(stores) and time.monotonic() - started < 2:
        for s in stores:
            if s.name not in propagation and not s.scan(DANA_CARD):
                propagation[s.name] = time.monotonic() - started
        time.sleep(0.05)
    print(f"withdrawal propagation (central withdraw returned → scan refused): "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in propagation.items()))
    time.sleep(max(0.0, started + 2 - time.monotonic()))
    for s in stores:
        assert not s.scan(DANA_CARD), f"{s.name} still recognises Dana 2 s after the withdrawal"
    assert len(propagation) == len(stores), f"not every store refused Dana within 2 s: {propagation}"

    # The database goes away: both stores keep recognising from their local registry, say so, and
    # queue their ledger entries; when it returns, each entry is shipped exactly once.
    for s in stores:
        assert s.agent.counter("welkom_chain_connected") == 1
    pg("stop", directory)
    for s in stores:
        assert s.scan(CHLOE_CARD), f"{s.name} stopped recognising while the database was down"
        wait_until(lambda: "chain database unreachable" in s.agent.process.output(), 30, f"{s.name} to say so")
        assert s.agent.counter("welkom_chain_connected") == 0, "/metrics does not say the chain is unreachable"
        assert s.agent.counter("welkom_chain_ledger_queued") >= 0
    pg("start", directory)
    for s in stores:
        wait_until(lambda: s.agent.counter("welkom_chain_connected") == 1, 30, f"{s.name}'s /metrics to say it is back")
        local = len(ledger(s.data))
        wait_until(lambda: int(psql(admin, f"SELECT count(*) FROM welkom.ledger_entry WHERE store = '{s.name}'")) >= local,
                   30, f"{s.name} to ship its queued entries")
        wait_until(lambda: "reachable again" in s.agent.process.output(), 30, f"{s.name} to say it is back")
    for s in stores:
        rows = psql(admin, f"SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM welkom.ledger_entry WHERE store = '{s.name}'")
        count, distinct, low, high = map(int, rows.split("|"))
        assert count == distinct == high and low == 1, f"{s.name}: shipped {rows} (count|distinct|min|max)"
    verified = welkom("audit", "verify", "--postgres", admin).stdout
    assert verified.count(": intact") == 2, verified
    status = chain_status(admin)
    assert [r["store"] for r in status] == ["delft", "den-haag"], status
    assert all(r["cursor_lag"] == 0 and r["last_contact"] and r["last_verified_checkpoint"] for r in status), status

    stats = welkom("audit", "stats", "--postgres", admin, "--store", "delft", "--format", "json").stdout
    assert json.loads(stats)["store"] == "delft" and json.loads(stats)["recognition"] >= 2, stats

    # A store's login cannot read another store's ledger or change a consent.
    own = psql(logins["delft"], "SELECT count(DISTINCT store) FROM welkom.ledger_entry")
    assert own == "1", "the store's login sees other stores' ledgers"
    refused = subprocess.run(["psql", logins["delft"], "-XAtc", "DELETE FROM welkom.consent"], capture_output=True, text=True)
    assert refused.returncode != 0 and "permission denied" in refused.stderr
    for sql in ("UPDATE welkom.consent SET scopes = 'greeting'", "SELECT receipt FROM welkom.consent_receipt",
                "SELECT fingerprint FROM welkom.identifier"):
        refused = subprocess.run(["psql", logins["delft"], "-XAtc", sql], capture_output=True, text=True)
        assert refused.returncode != 0 and "permission denied" in refused.stderr, sql
    # The desk's enrolment function (migration 2) adds new desk customers only: Chloé's consent is not its to change.
    refused = subprocess.run(["psql", logins["delft"], "-XAtc", "SELECT welkom.store_enrol('" + CHLOE + "', 'greeting', NULL, "
                              "'nl', NULL, 'v1', '\\x00', '\\x00', '{}', '{}', '{}')"], capture_output=True, text=True)
    assert refused.returncode != 0 and "desk- and 16 hex digits" in refused.stderr, refused.stderr

    # One access-request package for all stores: the central consent (no key), its receipt, and the
    # recognitions of both stores still linked to her.
    package = json.loads(welkom("audit", "dsar", "--postgres", admin, "--customer", CHLOE).stdout)
    assert package["consent"]["cards"] == 1 and package["consent"]["beacon_key"] is True, package
    assert CHLOE_KEY not in json.dumps(package) and CHLOE_CARD not in json.dumps(package)
    assert len(package["receipts"]) == 1 and package["stores"] == ["delft", "den-haag"], package
    assert all(e["customer"] == CHLOE for e in package["entries"])
    exported = [json.loads(line) for line in welkom("audit", "export", "--postgres", admin).stdout.splitlines()]
    assert {e["store"] for e in exported} == {"delft", "den-haag"}

    # Erased centrally: nothing of Chloé in either store's data directory or in the database.
    welkom("audit", "erase", *central, "--customer", CHLOE)
    for s in stores:
        wait_until(lambda: not s.scan(CHLOE_CARD), 10, f"{s.name} to stop recognising Chloé")
    wait_until(lambda: all(r["cursor_lag"] == 0 for r in chain_status(admin)), 30, "both stores to read the erasure")
    for s in stores:
        assert s.agent.stop() == 0
    secrets = [CHLOE.encode(), bytes.fromhex(CHLOE_KEY), CHLOE_KEY.encode(), CHLOE_CARD.encode()]
    for s in stores:
        for path in s.data.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for secret in secrets:
                    assert secret not in content, f"{s.name}: {path.name} still holds {secret!r}"
    dump = subprocess.run(["pg_dump", admin.replace("?sslmode=disable", ""), "--data-only", "--schema=welkom"],
                          capture_output=True, timeout=60, env={**os.environ, "PGSSLMODE": "disable"})
    assert dump.returncode == 0, dump.stderr
    for secret in secrets:
        assert secret not in dump.stdout, f"the central database still holds {secret!r}"
    assert CHLOE_KEY.encode() not in dump.stdout.lower()
    gone = json.loads(welkom("audit", "dsar", "--postgres", admin, "--customer", CHLOE).stdout)
    assert gone["consent"] is None and gone["entries"] == [] and gone["receipts"] == [], gone
    # Every store's tree still verifies after the erasure, centrally and locally.
    verified = welkom("audit", "verify", "--postgres", admin).stdout
    assert verified.count(": intact") == 2, verified
    for s in stores:
        welkom("audit", "verify", "--data", s.data)
