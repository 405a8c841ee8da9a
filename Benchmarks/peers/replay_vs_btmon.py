"""Issue 11's replay figure: `welkom replay` in release against BlueZ's `btmon -r` on the same capture.

A synthetic btsnoop capture (Tests/Rigs/synth_capture.py: H4, one LE Advertising Report per record,
one in 1,000 from an enrolled fob) is replayed with recognition on and one customer enrolled, and
read by btmon (which decodes and prints every report); both write to /dev/null. Best of N wall
times each; CPU time (user + sys) is printed beside it because the machine may be shared.
Goal: replay >= 20x btmon's reports/s.

    replay_vs_btmon.py [--reports 2000000] [--runs 3] [--welkom PATH] [--keep DIR]

Without --welkom it builds welkom in release first (`swift build -c release --product welkom`).
"""

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "Tests" / "Rigs" / "synth_capture.py"
KEY = "00112233445566778899aabbccddeeff"
RATE = 2000.0  # reports per second of capture time, as the replay memory test uses
EVERY = 1000
GOAL = 20.0


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, text=True, capture_output=True, **kw)


def build_welkom() -> Path:
    print("building welkom in release (nice -n 10) ...", flush=True)
    subprocess.run(["nice", "-n", "10", "swift", "build", "-c", "release", "--product", "welkom"], cwd=ROOT, check=True)
    bin_dir = run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).stdout.strip()
    return Path(bin_dir) / "welkom"


def make_capture(welkom: Path, work: Path, reports: int) -> tuple[Path, Path, Path]:
    data = work / "data"
    data.mkdir()
    run([welkom, "consent", "enroll", "--data", data, "--customer", "anna", "--scopes", "greeting", "--beacon-key", KEY])
    config = work / "welkom.toml"
    config.write_text(f'[data]\ndir = "{data}"\n\n[recognition]\nenabled = true\ndpia_reference = "BENCHMARK"\n')
    start = int(time.time()) - 7200  # two hours ago: before now, as a capture is
    windows = range(start // 600, (start + int(reports / RATE)) // 600 + 2)
    payloads = []
    for w in windows:
        payload = run([welkom, "token", "--beacon-key", KEY, "--at", w * 600 + 1]).stdout.split()[1]
        payloads += ["--enrolled-payload", f"{w}={payload}"]
    capture = work / "capture.btsnoop"
    small = work / "small.btsnoop"
    for path, n in ((capture, reports), (small, 10_000)):
        made = run([sys.executable, SYNTH, "--output", path, "--reports", n, "--rate", RATE, "--start", start,
                    "--every", EVERY, *payloads], timeout=1800)
        print(made.stdout.strip(), flush=True)
    return capture, small, config


def check_btmon_decodes(small: Path) -> None:
    """btmon must decode the synthetic capture, not skip it: one report line per record."""
    out = subprocess.run(["btmon", "-r", str(small)], capture_output=True, text=True, check=True).stdout
    found = len(re.findall(r"^\s+LE Advertising Report \(0x02\)$", out, re.M))
    if found != 10_000:
        sys.exit(f"btmon decoded {found} LE Advertising Reports of 10000 in {small}; first lines:\n{out[:2000]}")


def timed(cmd) -> tuple[float, float, str]:
    """Wall and CPU (user + sys) seconds of one run, with its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--welkom", type=Path, help="a release welkom binary (default: build one)")
    ap.add_argument("--keep", type=Path, help="make the capture here and keep it (default: a temporary directory)")
    a = ap.parse_args()
    if shutil.which("btmon") is None:
        sys.exit("btmon not found: install the Debian package bluez (make bench does)")
    welkom = a.welkom or build_welkom()
    if a.keep:
        a.keep.mkdir(parents=True, exist_ok=True)
    work = Path(a.keep or tempfile.mkdtemp(prefix="welkom-replay-bench-"))
    try:
        for stale in ("data", "welkom.toml", "capture.btsnoop", "small.btsnoop"):
            target = work / stale
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        capture, small, config = make_capture(welkom, work, a.reports)
        check_btmon_decodes(small)
        print(f"load before timing: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
              f"on {os.cpu_count()} CPUs", flush=True)
        results = {}
        for name, cmd in (("welkom replay", [welkom, "replay", capture, "--data", config.parent / "data", "--config", config]),
                          ("btmon -r", ["btmon", "-r", capture])):
            runs = []
            for _ in range(a.runs):
                wall, cpu, err = timed(cmd)
                if name == "welkom replay":
                    # The replay must have read every report and recognised the fob's, or it is no figure.
                    expected = f"{a.reports} advertising reports"
                    recognised = re.search(r"(\d+) recognised", err)
                    if expected not in err or not recognised or int(recognised.group(1)) != a.reports // EVERY:
                        sys.exit(f"replay did not read the capture as expected: {err.strip()}")
                runs.append((wall, cpu))
                print(f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
            results[name] = (min(w for w, _ in runs), min(c for _, c in runs))
        print(f"load after timing: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        n = a.reports
        (rw, rc), (bw, bc) = results["welkom replay"], results["btmon -r"]
        print(f"Replay throughput, {n} reports, best of {a.runs}:")
        print(f"  welkom replay: {n / rw:12,.0f} reports/s wall ({n / rc:,.0f} per CPU second)  [{welkom}]")
        print(f"  btmon -r:      {n / bw:12,.0f} reports/s wall ({n / bc:,.0f} per CPU second)")
        ratio = bw / rw
        print(f"  ratio: {ratio:.1f}x btmon (wall), {bc / rc:.1f}x (CPU); goal >= {GOAL:.0f}x: "
              f"{'met' if ratio >= GOAL else 'not met'}")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
