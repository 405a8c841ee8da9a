"""`welkom replay` streams: a 2-million-report capture runs through the pipeline in flat memory
(peak RSS under 100 MB) and still recognises every report of the enrolled fob among them."""

import json
import subprocess
import sys
import time

from conftest import ANNA_KEY, RIG_PYTHON, RIGS, WELKOM, welkom

REPORTS = 2_000_000
EVERY = 1000
RATE = 2000.0  # reports per second of capture time: 1,000 s, so the fob's token changes window


def test_two_million_reports_in_flat_memory(tmp_path, data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    start = int(time.time()) - 7200  # two hours ago: before now, as a capture is
    windows = range(start // 600, (start + int(REPORTS / RATE)) // 600 + 2)
    payloads = [f"{w}={welkom('token', '--beacon-key', ANNA_KEY, '--at', w * 600 + 1).stdout.split()[1]}" for w in windows]
    capture = tmp_path / "big.btsnoop"
    made = subprocess.run([RIG_PYTHON, str(RIGS / "synth_capture.py"), "--output", capture, "--reports", str(REPORTS),
                           "--rate", str(RATE), "--start", str(start), "--every", str(EVERY),
                           *[x for p in payloads for x in ("--enrolled-payload", p)]],
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    config = tmp_path / "welkom.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n')
    # Peak RSS of the replay alone, measured by a fresh parent that runs nothing else.
    measure = ("import resource, subprocess, sys\n"
               "p = subprocess.run(sys.argv[1:], stdout=open(sys.argv[0] + '.out', 'wb'), stderr=subprocess.PIPE)\n"
               "sys.stderr.write(p.stderr.decode())\n"
               "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out_base = tmp_path / "replay"
    p = subprocess.run([sys.executable, "-c", measure.replace("sys.argv[0]", repr(str(out_base))),
                        WELKOM, "replay", capture, "--data", data_dir, "--config", config],
                       capture_output=True, text=True, timeout=900)
    code, peak_kib = map(int, p.stdout.split())
    assert code == 0, p.stderr
    lines = (tmp_path / "replay.out").read_text().splitlines()
    print(f"replay of {REPORTS} reports: peak RSS {peak_kib / 1024:.1f} MiB; {p.stderr.strip()}")
    assert f"{REPORTS} advertising reports" in p.stderr, p.stderr
    assert len(lines) == REPORTS // EVERY, "one line per report of the enrolled fob, none for strangers"
    assert all(json.loads(line)["customer"] == "anna" for line in lines)
    assert peak_kib < 100 * 1024, f"peak RSS {peak_kib / 1024:.1f} MiB for {REPORTS} reports"
