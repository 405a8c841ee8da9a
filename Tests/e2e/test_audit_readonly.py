"""The audit commands that read only read: verify, export, query, stats, report and dsar on a data
directory that cannot be written — chmod -R a-w (as root, who could write anyway, and as `nobody`,
who cannot), a read-only bind mount and a read-only tmpfs — succeed, and afterwards no file's
mtime, mode or content has changed and no file has appeared (no -wal, -shm or key file). Each in
two states: after a clean stop (no write-ahead log) and after a writer was killed with SIGKILL
(a -wal holding commits not yet in the database, and its -shm). A ledger from an older Welkom
is reported, not migrated, until `welkom audit migrate`."""

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ANNA_KEY, LEDGER_WRITER, WELKOM, ledger_writer, welkom

ANNA = "anna-5d0c7e21-readonly"
BERT = "bert-8f3a6b90-readonly"
BERT_KEY = "ffeeddccbbaa99887766554433221100"
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def snapshot(root: Path) -> dict:
    """Every file and directory under root: mode, size, mtime and content hash."""
    result = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        result[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return result


def leaf_count(data: Path) -> int:
    """Entries in the ledger, read by SQLite itself from a scratch copy (it may recover the log)."""
    scratch = data.parent / "scratch-count"
    shutil.copytree(data, scratch)
    try:
        db = sqlite3.connect(scratch / "ledger.sqlite")
        n = db.execute("SELECT COUNT(*) FROM leaf").fetchone()[0]
        db.close()
        return n
    finally:
        shutil.rmtree(scratch)


def make_store(data: Path, state: str):
    welkom("consent", "enroll", "--data", data, "--customer", ANNA, "--scopes", "greeting,name",
           "--beacon-key", ANNA_KEY, "--card", "4006381333931")
    welkom("consent", "enroll", "--data", data, "--customer", BERT, "--scopes", "greeting", "--beacon-key", BERT_KEY)
    ledger_writer(data, count=60, writers=3)
    welkom("audit", "dsar", "--data", data, "--customer", BERT, "--sign-checkpoint")
    if state == "after-kill":
        # Killed mid-burst: its last commits are only in ledger.sqlite-wal, indexed by the -shm.
        p = subprocess.Popen([LEDGER_WRITER, "--data", str(data), "--count", "1000000", "--writers", "8"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(300):
            assert p.stdout.readline().startswith(b"ack "), p.stderr.read().decode()
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert (data / "ledger.sqlite-wal").stat().st_size > 0 and (data / "ledger.sqlite-shm").exists()
    else:
        assert not (data / "ledger.sqlite-wal").exists() and not (data / "ledger.sqlite-shm").exists()


def read_only_commands(data: Path, out: Path, config: Path):
    """(name, argv) of every command that only reads."""
    return [
        ("verify", ["audit", "verify", "--data", data]),
        ("export", ["audit", "export", "--data", data, "--proofs"]),
        ("export-csv", ["audit", "export", "--data", data, "--format", "csv"]),
        ("query", ["audit", "query", "--data", data, "--customer", ANNA]),
        ("stats", ["audit", "stats", "--data", data, "--format", "json", "--config", config]),
        ("report", ["audit", "report", "--data", data, "--config", config, "--out", out / "report.html"]),
        ("dsar", ["audit", "dsar", "--data", data, "--customer", ANNA, "--config", config]),
    ]


def check_outputs(results: dict, entries: int):
    verify = results["verify"].stdout
    assert f"ledger intact: {entries} entries" in verify, verify
    lines = results["export"].stdout.splitlines()
    assert len(lines) == entries + 1 and json.loads(lines[-1])["tree_size"] >= 62, lines[-1]
    assert len(results["export-csv"].stdout.splitlines()) == entries + 1
    assert [json.loads(l)["kind"] for l in results["query"].stdout.splitlines()] == ["consent_given"]
    assert json.loads(results["stats"].stdout)["entries"] == entries
    assert f"{entries} entries" in results["report"].stdout
    package = json.loads(results["dsar"].stdout)
    assert package["customer"] == ANNA and package["consent"]["cards"] == 1


def run_all(data: Path, out: Path, config: Path, prefix=()) -> dict:
    results = {}
    for name, argv in read_only_commands(data, out, config):
        p = subprocess.run([*prefix, WELKOM, *map(str, argv)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, f"{name} failed ({p.returncode}) on a read-only directory:\n{p.stdout}\n{p.stderr}"
        results[name] = p
    return results


def can_mount(workdir: Path) -> str:
    """Empty when this process may mount (root with CAP_SYS_ADMIN, not in a locked-down container); else why not."""
    if os.geteuid() != 0:
        return "not root"
    probe = workdir / "mount-probe"
    probe.mkdir()
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                        str(probe)], capture_output=True, text=True)
    return "" if r.returncode == 0 else f"mount is not permitted here: {r.stderr.strip()}"


@pytest.fixture
def config(workdir):
    c = workdir / "welkom.toml"
    c.write_text('[ledger]\ncontroller = "Winkel B.V., Markt 1"\nretention_days = 30\n')
    c.chmod(0o644)
    return c


@pytest.mark.parametrize("state", ["clean", "after-kill"])
@pytest.mark.parametrize("variant", ["chmod-root", "chmod-nobody", "bind-mount", "tmpfs"])
def test_reading_commands_change_nothing_on_a_read_only_directory(workdir, config, variant, state):
    source = workdir / "source"
    source.mkdir(mode=0o700)
    make_store(source, state)
    entries = leaf_count(source)
    # Every variant works on a copy with the original mtimes (cp -a), so the source stays reusable.
    workdir.chmod(0o755)  # nobody must reach the copy, the binary and the config
    data = workdir / "data"
    out = workdir / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    subprocess.run(["cp", "-a", str(source), str(data)], check=True)
    prefix = ()
    mounted = None
    if variant in ("bind-mount", "tmpfs"):
        reason = can_mount(workdir)
        # Root may mount on these machines (and CI runs on one): a variant that cannot run fails,
        # it is never counted as passed.
        assert not reason, f"{variant}: cannot set up the read-only mount: {reason}"
        if variant == "bind-mount":
            subprocess.run(["mount", "--bind", str(data), str(data)], check=True)
            mounted = data
            subprocess.run(["mount", "-o", "remount,ro,bind", str(data)], check=True)
        else:
            shutil.rmtree(data)
            data.mkdir(mode=0o700)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(data)], check=True)
            mounted = data
            subprocess.run(["cp", "-a", f"{source}/.", str(data)], check=True)
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        probe = subprocess.run(["touch", str(data / "probe")], capture_output=True)
        assert probe.returncode != 0, "the mount is not read-only"
    else:
        subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
        if variant == "chmod-nobody":
            subprocess.run(["chmod", "-R", "a+rX", str(data)], check=True)
            prefix = NOBODY
            probe = subprocess.run([*NOBODY, "touch", str(data / "probe")], capture_output=True)
            assert probe.returncode != 0, "nobody can write the copy"
    try:
        before = snapshot(data)
        time.sleep(0.02)  # an mtime written now would differ from the one recorded
        results = run_all(data, out, config, prefix)
        after = snapshot(data)
        assert sorted(after) == sorted(before), f"files appeared or went: {sorted(set(after) ^ set(before))}"
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"{variant}/{state}: changed by a command that only reads: {changed}"
        check_outputs(results, entries)
        print(f"{variant}/{state}: {len(results)} commands, {entries} entries, nothing changed")
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mounted)], check=False)
        subprocess.run(["chmod", "-R", "u+w", str(workdir)], check=False)


def test_a_log_without_its_index_is_refused_not_recreated(workdir, config):
    data = workdir / "data"
    data.mkdir(mode=0o700)
    make_store(data, "after-kill")
    (data / "ledger.sqlite-shm").unlink()
    subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
    try:
        before = snapshot(data)
        r = welkom("audit", "verify", "--data", data, check=False)
        assert r.returncode != 0 and "ledger.sqlite-shm is missing" in r.stderr, r.stderr
        assert snapshot(data) == before
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=False)


def test_an_older_ledger_is_reported_until_audit_migrate(workdir, config):
    """A hash-chain ledger (the first schema): the reading commands say what to run and exit 75
    without touching it; `welkom audit migrate` carries it over; then they read it."""
    data = workdir / "data"
    data.mkdir(mode=0o700)
    db = sqlite3.connect(data / "ledger.sqlite")
    db.executescript("""
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1-hash-chain');
        CREATE TABLE entry (seq INTEGER PRIMARY KEY NOT NULL, time_ms INTEGER NOT NULL, kind TEXT NOT NULL,
            customer TEXT, salt BLOB, customer_commitment BLOB, scheme TEXT, till TEXT, prompt TEXT, detail TEXT,
            hash BLOB NOT NULL);
    """)
    db.close()
    (data / "ledger.sqlite").chmod(0o600)
    before = snapshot(data)
    for name, argv in read_only_commands(data, workdir, config):
        r = welkom(*argv, check=False)
        assert r.returncode == 75, f"{name}: {r.returncode}\n{r.stderr}"
        assert f"run `welkom audit migrate --data {data}` or start the agent" in r.stderr, f"{name}: {r.stderr}"
    assert snapshot(data) == before, "a reading command migrated or touched the old ledger"

    assert "ledger: migrated" in welkom("audit", "migrate", "--data", data).stdout
    assert "ledger intact: 0 entries" in welkom("audit", "verify", "--data", data).stdout
    assert "ledger: up to date" in welkom("audit", "migrate", "--data", data).stdout
