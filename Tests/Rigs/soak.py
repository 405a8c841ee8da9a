"""Soak (issue 13): the whole agent for N minutes against a Bumble shop floor at about 1,000
reports/s (45 strangers and 5 enrolled fobs advertising every 100 ms), a few hundred customers
enrolled, and a serial scanner (a socat pty) typing an enrolled card every second at till 2, whose
prompts a paired SSE client reads. Prints, every 10 s, the agent's resident memory (VmRSS), the
reports heard, the radio's error counters and the recognitions; at the end the ledger's
recognitions and the scan-to-prompt latency. Fails (exit 1) when memory grows after warm-up
more than --rss-growth allows, or nothing was recognised.

    soak.py --minutes 10            (make soak)
    soak.py --minutes 1             (Tests/e2e/test_soak.py, through run())

Needs the rig's venv (Bumble) and socat; WELKOM_BIN picks the binary (default .build/debug/welkom).
"""

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from conftest import Agent, BumbleStore, ledger, pair_token, wait_until, welkom  # noqa: E402
from test_cards import ScannerLine  # noqa: E402

CARD_CUSTOMERS = 300
FOB_KEYS = [f"{i:02x}" * 16 for i in range(0x10, 0x15)]   # five enrolled fobs
STRANGERS = 45
INTERVAL_MS = 100
SCANNER_TILL = "2"
RADIO_ERRORS = ("welkom_radio_framing_errors_total", "welkom_radio_malformed_reports_total",
                "welkom_radio_reopens_total", "welkom_radio_controller_resets_total")


def card(i: int) -> str:
    """A valid EAN-13 per customer (in-store prefix 20…, so no brand's PAN)."""
    body = f"20{i:010d}"
    s = sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(body))
    return body + str((10 - s % 10) % 10)


def enrol(workdir: Path, data_dir: Path):
    lines = [{"customer": f"c{i}", "scopes": "greeting,name", "name": f"Klant {i}", "locale": "nl",
              "cards": [card(i)]} for i in range(CARD_CUSTOMERS)]
    lines += [{"customer": f"fob{i}", "scopes": "greeting,name", "name": f"Fob {i}", "locale": "nl",
               "beacon_key": k} for i, k in enumerate(FOB_KEYS)]
    f = workdir / "customers.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in lines))
    welkom("consent", "import", "--data", data_dir, f)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS: has the agent exited?")


class PromptStream:
    """A paired till's SSE stream (GET /till/ID/events, Bearer token): the arrival time of each
    prompt, by the text it shows."""

    def __init__(self, port: int, till: str, token: str):
        self.arrivals = {}   # prompt text -> monotonic time of its first arrival
        self.lock = threading.Lock()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
        self.conn.request("GET", f"/till/{till}/events",
                          headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise AssertionError(f"the till stream answered {self.response.status}")
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        event = None
        try:
            for raw in self.response:
                line = raw.decode(errors="replace").rstrip("\r\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "prompt":
                    now = time.monotonic()
                    text = line[5:]
                    with self.lock:
                        for name in _names_in(text):
                            self.arrivals.setdefault(name, now)
                elif not line:
                    event = None
        except Exception:   # noqa: BLE001 — closed under the reader at the end (http.client raises several kinds)
            pass

    def arrival(self, name: str):
        with self.lock:
            return self.arrivals.pop(name, None)

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except (OSError, AttributeError):
            pass
        self.thread.join(timeout=5)
        try:
            self.conn.close()
        except Exception:   # noqa: BLE001 — the reader thread may have closed it already
            pass


def _names_in(data: str):
    # "Klant 17" must not match "Klant 170": take the number that follows and stop at a non-digit.
    i = data.find("Klant ")
    while i >= 0:
        j = i + 6
        while j < len(data) and data[j].isdigit():
            j += 1
        yield data[i:j]
        i = data.find("Klant ", j)


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def run(minutes: float, workdir: Path, rss_growth: float, warmup_minutes: float, out=print) -> dict:
    """Runs the soak; returns the figures. Raises AssertionError on a failed check."""
    data_dir = workdir / "data"
    data_dir.mkdir()
    enrol(workdir, data_dir)
    stops = []
    try:
        rig = BumbleStore(workdir, enrolled_keys=FOB_KEYS, strangers=STRANGERS, interval_ms=INTERVAL_MS)
        stops.append(rig.stop)
        scanner = ScannerLine(workdir)
        stops.append(scanner.stop)
        reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "{SCANNER_TILL}"\n'
        # A customer greeted at most every 4 minutes: each of the 300 cards comes round every 5.
        agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}", readers_toml=reader, cooldown_minutes=4)
        stops.append(agent.stop)
        pid = agent.process.proc.pid
        wait_until(lambda: "card reader open" in agent.process.output(), 30, "the agent to open the scanner")
        stream = PromptStream(agent.port, SCANNER_TILL, pair_token(agent.url, data_dir, SCANNER_TILL, agent.config))
        stops.append(stream.close)

        start = time.monotonic()
        end = start + minutes * 60
        samples = []          # (seconds since start, RSS kB, reports heard)
        latencies = []
        pending = []          # (name, time sent) of scans whose prompt has not come yet
        missed = 0
        next_sample = start
        next_scan = start + 1
        scans = 0
        heard0 = agent.counter("welkom_sightings_total", source="radio")
        last_heard, last_t = heard0, start
        out(f"{'t/s':>6} {'RSS/MB':>8} {'reports/s':>10} {'radio errors':>13} {'recognitions':>13} {'scans':>6}")
        while True:
            now = time.monotonic()
            if now >= next_scan and now < end:
                name = f"Klant {scans % CARD_CUSTOMERS}"
                scanner.send(card(scans % CARD_CUSTOMERS))
                pending.append((name, time.monotonic()))
                scans += 1
                next_scan += 1
            still = []
            for name, sent in pending:
                got = stream.arrival(name)
                if got is not None:
                    latencies.append(got - sent)
                elif time.monotonic() - sent > 30:
                    missed += 1
                else:
                    still.append((name, sent))
            pending = still
            if now >= next_sample:
                if not agent.process.alive():
                    raise AssertionError("the agent exited during the soak:\n" + agent.process.output()[-4000:])
                rss = rss_kb(pid)
                heard = agent.counter("welkom_sightings_total", source="radio")
                errors = sum(agent.counter(m) for m in RADIO_ERRORS)
                recognitions = agent.counter("welkom_recognitions_total")
                rate = (heard - last_heard) / max(1e-6, now - last_t)
                last_heard, last_t = heard, now
                samples.append((now - start, rss, heard))
                out(f"{now - start:6.0f} {rss / 1024:8.1f} {rate:10.0f} {errors:13.0f} {recognitions:13.0f} {scans:6d}")
                next_sample += 10
                if now >= end:
                    break
            time.sleep(0.02)
        # Scans still waiting get a last chance.
        time.sleep(2)
        for name, sent in pending:
            got = stream.arrival(name)
            if got is None:
                missed += 1
            else:
                latencies.append(got - sent)

        heard_total = agent.counter("welkom_sightings_total", source="radio") - heard0
        errors = {m: agent.counter(m) for m in RADIO_ERRORS}
        recognitions_metric = {s: agent.counter("welkom_recognitions_total", scheme=s) for s in ("card", "wlk1")}
        stream.close()
        stops.remove(stream.close)
        rc = agent.stop()
        stops.remove(agent.stop)
        if rc != 0:
            raise AssertionError(f"the agent exited {rc} on SIGTERM")
        entries = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
        by_scheme = {}
        for e in entries:
            by_scheme[e["scheme"]] = by_scheme.get(e["scheme"], 0) + 1
        verify = welkom("audit", "verify", "--data", data_dir, check=False).returncode
    finally:
        for stop in reversed(stops):
            try:
                stop()
            except Exception as e:   # keep stopping the rest
                print(f"cleanup: {e}", file=sys.stderr)

    elapsed = samples[-1][0] - samples[0][0]
    rss = [s[1] for s in samples]
    warm = [s for s in samples if s[0] >= warmup_minutes * 60]
    figures = {
        "minutes": minutes,
        "rss_mb": {"first": rss[0] / 1024, "warm": warm[0][1] / 1024, "last": rss[-1] / 1024, "max": max(rss) / 1024},
        "reports_per_s": heard_total / max(1e-6, elapsed),
        "radio_errors": errors,
        "recognitions_metric": recognitions_metric,
        "recognitions_ledger": by_scheme,
        "scans": scans,
        "prompts": len(latencies),
        "missed_prompts": missed,
        "latency_ms": {"p50": (percentile(latencies, 50) or 0) * 1000, "p99": (percentile(latencies, 99) or 0) * 1000,
                       "max": max(latencies, default=0) * 1000},
        "ledger_verifies": verify == 0,
    }
    r = figures["rss_mb"]
    out(f"RSS MB: first {r['first']:.1f}, at {warmup_minutes:g} min {r['warm']:.1f}, last {r['last']:.1f}, max {r['max']:.1f}")
    out(f"reports heard: {figures['reports_per_s']:.0f}/s; radio errors: {errors}")
    out(f"recognitions: /metrics {recognitions_metric}, ledger {by_scheme}")
    l = figures["latency_ms"]
    out(f"scans {scans}, prompts {len(latencies)}, missed {missed}; "
        f"scan-to-prompt latency p50 {l['p50']:.1f} ms, p99 {l['p99']:.1f} ms, max {l['max']:.1f} ms")

    # Memory flat after warm-up: the last sample against the first warm one, and (for short runs,
    # where one sample is noise) the second half's mean against the first half's.
    growth = warm[-1][1] / warm[0][1] - 1
    half = len(warm) // 2
    mean_growth = (statistics.mean(s[1] for s in warm[half:]) / statistics.mean(s[1] for s in warm[:half]) - 1
                   if half >= 1 else 0.0)
    out(f"RSS growth after warm-up: {growth * 100:+.1f} % (last vs first), {mean_growth * 100:+.1f} % (half means); "
        f"bound {rss_growth * 100:.0f} %")
    figures["rss_growth"] = growth
    figures["rss_mean_growth"] = mean_growth
    problems = []
    if growth > rss_growth or mean_growth > rss_growth:
        problems.append(f"resident memory grew {max(growth, mean_growth) * 100:.1f} % after warm-up "
                        f"(bound {rss_growth * 100:.0f} %): a leak?")
    if not by_scheme.get("card"):
        problems.append("no card recognition in the ledger")
    if not by_scheme.get("wlk1"):
        problems.append("no fob recognition in the ledger")
    if not latencies:
        problems.append("no prompt reached the till stream")
    if missed > max(1, scans // 100):
        problems.append(f"{missed} of {scans} scans gave no prompt within 30 s")
    if verify != 0:
        problems.append("the ledger does not verify after the soak")
    if problems:
        raise AssertionError("; ".join(problems))
    return figures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--rss-growth", type=float, default=0.15, help="largest RSS growth after warm-up (0.15 = 15 %%)")
    p.add_argument("--warmup-minutes", type=float, default=2)
    p.add_argument("--json", help="also write the figures here")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="welkom-soak-") as d:
        try:
            figures = run(a.minutes, Path(d), a.rss_growth, a.warmup_minutes)
        except AssertionError as e:
            print(f"SOAK FAILED: {e}", file=sys.stderr)
            sys.exit(1)
    if a.json:
        Path(a.json).write_text(json.dumps(figures, indent=2) + "\n")
    print("SOAK OK")


if __name__ == "__main__":
    main()
