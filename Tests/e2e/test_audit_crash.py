"""Crash safety of the ledger: `welkom-ledger-writer` (a test tool, not in the shipped binary) appends from 64
concurrent writers and prints "ack SEQ HASH" the moment each append is acknowledged; the test
kills it with SIGKILL at a different point of each burst, then checks that the ledger verifies
and that every acknowledged entry is there with the hash it was acknowledged with."""

import os
import random
import signal
import subprocess
import time

from conftest import LEDGER_WRITER, ledger, welkom


def burst_and_kill(data_dir, stop_after: int, checkpoint_every: int) -> dict:
    """Runs a burst, SIGKILLs it once `stop_after` acks were read; returns every ack printed."""
    p = subprocess.Popen([LEDGER_WRITER, "--data", str(data_dir), "--count", "1000000",
                          "--writers", "64", "--checkpoint-every", str(checkpoint_every)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    acked = {}
    deadline = time.monotonic() + 120
    while len(acked) < stop_after:
        line = p.stdout.readline()
        if not line:
            raise AssertionError(f"the burst ended before {stop_after} acks (exit {p.wait()}): {p.stderr.read().decode()}")
        _, seq, digest = line.decode().split()
        acked[int(seq)] = digest
        assert time.monotonic() < deadline, "the burst is far too slow"
    p.send_signal(signal.SIGKILL)
    # Lines written before the kill were acknowledged too: read them all.
    for line in p.stdout.read().decode().splitlines():
        if line.startswith("ack "):
            _, seq, digest = line.split()
            acked[int(seq)] = digest
    assert p.wait() == -signal.SIGKILL
    return acked


def test_kill_9_during_bursts_loses_no_acknowledged_entry_and_the_ledger_verifies(data_dir):
    rng = random.Random(7)  # fixed: the same kill points every run
    all_acked = {}
    for round_no in range(6):
        acked = burst_and_kill(data_dir, stop_after=rng.randint(200, 6000), checkpoint_every=rng.choice([0, 97, 1000]))
        all_acked.update(acked)
        verdict = welkom("audit", "verify", "--data", data_dir, check=False)
        assert verdict.returncode == 0, f"round {round_no}: {verdict.stdout}{verdict.stderr}"
        exported = {e["seq"]: e["hash"] for e in ledger(data_dir)}
        missing = [s for s in all_acked if exported.get(s) != all_acked[s]]
        assert not missing, f"round {round_no}: acknowledged entries lost or changed: {missing[:10]}"
        # Nothing was numbered twice or skipped: the export is 1..N.
        assert sorted(exported) == list(range(1, len(exported) + 1))
    assert len(all_acked) > 6 * 200
