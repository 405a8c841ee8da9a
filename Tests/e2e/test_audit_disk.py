"""Fail closed on a full disk: the data directory lives on a tiny tmpfs (mounted by the test, as
root); once the disk is full, a recognised card shows no prompt, the agent says why, and when
space returns the next scan is recorded and shown. A read-only ledger likewise shows nothing."""

import os
import subprocess
from pathlib import Path

import pytest

from conftest import WELKOM, Agent, free_port, ledger, wait_until, welkom
from test_cards import ScannerLine

ANNA_CARD = "4006381333931"


@pytest.fixture
def tiny_disk(workdir):
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs and must run as root")
    mount = workdir / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> Path:
    """Writes a file until the file system says ENOSPC."""
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == 28, e
    finally:
        os.close(fd)
    return filler


def test_full_disk_shows_no_prompt_says_why_and_recovers(workdir, tiny_disk, cleanup):
    data_dir = tiny_disk / "data"
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
           "--name", "Anna", "--card", ANNA_CARD)
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "1"\n'
    agent = Agent(workdir, data_dir, radio="", readers_toml=reader, cooldown_minutes=0)
    cleanup(agent.stop)
    wait_until(lambda: agent.counter("welkom_ledger_failures_total") == 0 and "reader" in agent.process.output(),
               30, "the agent to open the scanner")

    filler = fill(tiny_disk)
    scanner.send(ANNA_CARD)
    wait_until(lambda: agent.counter("welkom_ledger_failures_total") >= 1, 30, "the ledger append to fail")
    assert agent.counter("welkom_prompts_shown_total") == 0, "a prompt was shown without its ledger entry"
    log = agent.process.output()
    assert "ledger append failed; prompt not shown" in log
    assert "SQLITE_FULL" in log or "full" in log.lower(), log[-2000:]
    assert agent.process.alive()

    filler.unlink()
    wait_until(lambda: (scanner.send(ANNA_CARD) or True) and agent.counter("welkom_prompts_shown_total") >= 1,
               30, "a prompt once space returned", interval=1.0)
    assert agent.stop() == 0
    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert recognitions and recognitions[0]["customer"] == "anna"
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0


def test_read_only_data_directory_refuses_to_start_and_starts_once_writable(workdir, tiny_disk, cleanup):
    """A mount cannot be made read-only under a running agent's open files (EBUSY), so this checks
    the start: on a read-only file system nothing is recognised at all — the agent refuses to run
    and says which file it could not open — and it runs once the file system is writable again.
    A ledger that turns read-only while running is held by WelkomAgentTests'
    testFailClosedWhenTheLedgerCannotBeWritten."""
    data_dir = tiny_disk / "data"
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting", "--card", ANNA_CARD)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    config = workdir / "ro.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[till_display]\nlisten = "127.0.0.1:{free_port()}"\n')
    r = subprocess.run([WELKOM, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 74, r.stdout + r.stderr
    assert str(data_dir) in r.stdout + r.stderr and "unable to open" in r.stdout + r.stderr
    # Still intact and readable: the audit tools work on a read-only copy.
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0
    subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    agent = Agent(workdir, data_dir, radio="")
    cleanup(agent.stop)
    assert agent.stop() == 0
