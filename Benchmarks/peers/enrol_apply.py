"""How long `welkom consent enroll` takes against a running agent with many customers enrolled:
the command returns once the agent has applied the enrolment (it matches the new customer from
then on), so this is the time from a customer's yes at the desk to their first possible greeting.

The registry is filled through `welkom consent import` (files of 100,000), the agent is started
without a radio, and `consent enroll` is timed --runs times for each binary given, against the
same registry. Before the agent read only the enrolled customer (Pipeline.applyEnrolment), it
re-read and reconciled every consent on each enrolment: 1.67-2.04 s at 1,000,000.

    enrol_apply.py --welkom PATH [--welkom PATH ...] [--customers 1000000] [--runs 5] [--keep DIR]

Needs the rigs' venv (Tests/e2e's process helper): run it with that python.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))
IMPORT_LINES = 100_000  # ConsentImportFile.maximumLines


def fill(welkom: str, data: Path, count: int) -> None:
    rng = random.Random(1)
    for start in range(0, count, IMPORT_LINES):
        lines = [json.dumps({"customer": f"c{i}", "scopes": "greeting,name", "name": f"Klant {i}", "locale": "nl",
                             "beacon_key": f"{rng.getrandbits(128):032x}"})
                 for i in range(start, min(count, start + IMPORT_LINES))]
        path = data.parent / "import.jsonl"
        path.write_text("\n".join(lines))  # no final newline: it would count against the 100,000
        subprocess.run([welkom, "consent", "import", "--data", str(data), str(path)], check=True, capture_output=True)
        path.unlink()
        print(f"  enrolled {min(count, start + IMPORT_LINES):,} of {count:,}", flush=True)


def main() -> None:
    from conftest import Process, free_port
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--welkom", action="append", required=True, help="a welkom binary (repeat to compare)")
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="keep the registry here (and reuse it when it exists)")
    a = ap.parse_args()
    work = Path(a.keep or tempfile.mkdtemp(prefix="welkom-enrol-bench-"))
    data = work / "data"
    try:
        if not data.exists():
            data.mkdir(parents=True)
            fill(a.welkom[0], data, a.customers)
        cfg = work / "welkom.toml"
        cfg.write_text(f'[data]\ndir = "{data}"\n\n[recognition]\nenabled = true\ndpia_reference = "BENCHMARK"\n\n'
                       f'[radio]\ntransport = ""\n\n[till_display]\nlisten = "127.0.0.1:{free_port()}"\n\n'
                       f'[metrics]\nlisten = "127.0.0.1:{free_port()}"\n')
        for n, welkom in enumerate(a.welkom):
            agent = Process([welkom, "run", "--config", str(cfg)], work / f"agent-{n}.log")
            try:
                started = time.monotonic()
                while "consents loaded" not in agent.output():
                    if not agent.alive() or time.monotonic() - started > 300:
                        sys.exit("the agent did not load the registry:\n" + agent.output()[-4000:])
                    time.sleep(0.05)
                took = []
                for run in range(a.runs):
                    t = time.monotonic()
                    subprocess.run([welkom, "consent", "enroll", "--data", str(data), "--customer", f"new-{n}-{run}",
                                    "--scopes", "greeting", "--beacon-key", os.urandom(16).hex()],
                                   check=True, capture_output=True)
                    took.append(time.monotonic() - t)
            finally:
                agent.stop()
            print(f"consent enroll with a running agent, {a.customers:,} enrolled [{welkom}]: "
                  + ", ".join(f"{s:.2f}" for s in took) + f" s (load {os.getloadavg()[0]:.2f})", flush=True)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
