"""`welkom scan` per docs/contract.md (issue 4): counts by frame kind and nothing identifying
without --show-identifiers; --record writes a btsnoop capture that `welkom replay` turns into the
same recognitions; the kernel path on this machine says what is wrong and what to do."""

import re
import subprocess

from conftest import ANNA_KEY, BumbleStore, welkom
from test_replay import btsnoop_records, rig_token

SUMMARY = re.compile(r"scan: .*, (\d+) advertising reports .*: wlk1 (\d+), eid (\d+), ibeacon (\d+), altbeacon (\d+), address (\d+), other (\d+);")


def anna_tokens():
    import time
    now = time.time()
    return {rig_token(ANNA_KEY, now + d) for d in (-600, 0, 600)}


def test_scan_counts_kinds_records_and_the_recording_replays_to_the_same_recognitions(workdir, data_dir, cleanup):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=3)
    cleanup(rig.stop)
    capture = workdir / "scan.btsnoop"
    p = welkom("scan", "--hci", f"serial:{rig.pty}", "--seconds", "4", "--record", capture)
    m = SUMMARY.search(p.stdout)
    assert m, p.stdout
    reports, wlk1 = int(m.group(1)), int(m.group(2))
    assert wlk1 > 20 and reports >= wlk1
    assert "last scan mode extended" in p.stdout
    # Nothing identifying: no token of anyone, no address-like strings.
    out = (p.stdout + p.stderr).lower()
    for token in rig.stranger_tokens() | {t.hex() for t in anna_tokens()}:
        assert token not in out
    assert not re.search(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", out)
    assert "recording every advertisement" in p.stderr
    assert (capture.stat().st_mode & 0o777) == 0o600

    # The capture as Python reads it: every report of Anna's is in it.
    records = btsnoop_records(capture.read_bytes())
    tokens = anna_tokens()
    annas = sum(1 for r in records if r[2] & 1 and any(t in r[4] for t in tokens))
    assert annas > 5

    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    cfg = workdir / "welkom.toml"
    cfg.write_text(f'[data]\ndir = "{data_dir}"\n\n[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n')
    replayed = welkom("replay", capture, "--data", data_dir, "--config", cfg, "--format", "jsonl")
    lines = [line for line in replayed.stdout.splitlines() if line.strip()]
    # Every one of Anna's reports the scan heard is recognised on replay, and nothing else.
    assert len(lines) == annas
    assert all('"customer":"anna"' in line for line in lines)
    assert f"wlk1 {wlk1}" in replayed.stderr, replayed.stderr


def test_show_identifiers_warns_and_shows_them(workdir, cleanup):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=1, legacy=True)
    cleanup(rig.stop)
    p = welkom("scan", "--hci", f"serial:{rig.pty}", "--seconds", "3", "--show-identifiers")
    assert "personal data" in p.stderr
    assert any(t.hex() in p.stdout for t in anna_tokens())
    assert re.search(r"address=([0-9A-F]{2}:){5}[0-9A-F]{2}", p.stdout), p.stdout[:500]
    assert "last scan mode legacy" in p.stdout


def test_scan_on_the_kernel_path_says_this_kernel_has_no_bluetooth():
    for channel in ("raw", "user", "raw-then-user"):
        p = welkom("scan", "--hci", "hci0", "--seconds", "2", "--kernel-channel", channel, check=False)
        assert p.returncode == 69, p.stdout + p.stderr
        assert "this kernel has no Bluetooth support" in p.stderr
        assert "serial:" in p.stderr  # the fix names the alternative


def test_scan_rejects_a_bad_transport_with_usage_exit():
    p = welkom("scan", "--hci", "bluetooth0", check=False)
    assert p.returncode == 64
    assert "accepted forms" in p.stderr


def test_run_with_radio_record_writes_a_capture_that_replays_to_the_agents_recognitions(workdir, data_dir, cleanup):
    from conftest import Agent, ledger

    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2)
    cleanup(rig.stop)
    capture = workdir / "run.btsnoop"
    # conftest's Agent writes `transport = "<radio>"`; the record key rides along on the next line.
    agent = Agent(workdir, data_dir, radio=f'serial:{rig.pty}"\nrecord = "{capture}')
    cleanup(agent.stop)
    from conftest import wait_until
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= 20, 60, "Anna recognised")
    assert agent.stop() == 0
    assert "radio.record is set" in agent.process.output()
    replayed = welkom("replay", capture, "--data", data_dir, "--config", agent.config, "--format", "jsonl")
    lines = [line for line in replayed.stdout.splitlines() if line.strip()]
    assert len(lines) >= 20 and all('"customer":"anna"' in line for line in lines)
    assert [e["customer"] for e in ledger(data_dir) if e["kind"] == "recognition"] == ["anna"]
