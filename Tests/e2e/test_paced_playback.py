"""Paced playback that cannot stall (issue 13, item 5): a capture whose one record's time is 3 years
ahead, one whose record goes back an hour, one cut off mid-record. `welkom scan --hci btsnoop:FILE`
plays each at its recorded pace, plays the record out of line at once, names it, and exits 65
promptly; `welkom run` on such a capture says the same in its log and keeps going."""

import struct
import time

import pytest

from conftest import Agent, wait_until, welkom
from test_radio_scan import SUMMARY

BTSNOOP_UNIX_EPOCH_US = 0x00DCDDB30F2F8000
YEAR_US = 365 * 86_400 * 1_000_000
RECORDS = 20


def report_event(n: int) -> bytes:
    """An LE Advertising Report (H4) with flags and a manufacturer field: an "other" report."""
    data = bytes.fromhex("020106") + bytes([5, 0xFF, 0x59, 0x00, n, 0x01])
    params = bytes([0x02, 0x01, 0x00, 0x01, 1, 2, 3, 4, 5, 0xC6, len(data)]) + data + bytes([0xC9])
    return bytes([0x04, 0x3E, len(params)]) + params


def capture(path, times_us) -> list:
    """Writes an H4 capture, one report per record at the given times; returns the record offsets."""
    out, offsets = bytearray(b"btsnoop\0" + struct.pack(">II", 1, 1002)), []
    for n, t in enumerate(times_us):
        packet = report_event(n)
        offsets.append(len(out))
        out += struct.pack(">IIIIq", len(packet), len(packet), 3, 0, t) + packet
    path.write_bytes(bytes(out))
    return offsets


def start_us() -> int:
    return int(time.time() * 1_000_000) - 60_000_000 + BTSNOOP_UNIX_EPOCH_US


def times(step_us=100_000) -> list:
    """20 records 0.1 s apart: 1.9 s of capture."""
    t0 = start_us()
    return [t0 + i * step_us for i in range(RECORDS)]


def scan(path) -> tuple:
    started = time.monotonic()
    p = welkom("scan", "--hci", f"btsnoop:{path}", "--seconds", "600", check=False)
    return p, time.monotonic() - started


def reports(stdout: str) -> int:
    m = SUMMARY.search(stdout)
    assert m, stdout
    return int(m.group(1))


def test_a_record_three_years_ahead_is_played_at_once_and_named(workdir):
    t = times()
    t[10] += 3 * YEAR_US
    path = workdir / "ahead.btsnoop"
    capture(path, t)
    p, elapsed = scan(path)
    assert elapsed < 30, f"took {elapsed:.1f} s: the scan waited for the damaged timestamp"
    assert p.returncode == 65, p.stdout + p.stderr
    assert reports(p.stdout) == RECORDS, "every record played, the damaged one too"
    assert "record 11: its time is 3 years after record 10's" in p.stderr, p.stderr
    assert "record 12: its time is 3 years before record 11's" in p.stderr, p.stderr
    assert "scan: the capture is damaged: 2 problems, named above" in p.stderr


def test_a_record_going_back_an_hour_is_played_at_once_and_named(workdir):
    t = times()
    t[10] -= 3_600_000_000
    path = workdir / "back.btsnoop"
    capture(path, t)
    p, elapsed = scan(path)
    assert elapsed < 30, f"took {elapsed:.1f} s"
    assert p.returncode == 65, p.stdout + p.stderr
    assert reports(p.stdout) == RECORDS
    assert "record 11: its time is 60 minutes before record 10's" in p.stderr, p.stderr
    assert "record 12: its time is 60 minutes after record 11's" in p.stderr, p.stderr


def test_a_capture_cut_off_mid_record_names_that_record(workdir):
    path = workdir / "cut.btsnoop"
    offsets = capture(path, times())
    path.write_bytes(path.read_bytes()[:offsets[14] + 30])  # inside record 15's packet
    p, elapsed = scan(path)
    assert elapsed < 30
    assert p.returncode == 65, p.stdout + p.stderr
    assert reports(p.stdout) == 14
    assert "record 15: the file ends inside it" in p.stderr, p.stderr


def test_a_sound_capture_is_played_at_its_pace_and_exits_0(workdir):
    path = workdir / "sound.btsnoop"
    capture(path, times())
    p, elapsed = scan(path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert 1.8 <= elapsed < 30, f"{elapsed:.1f} s for 1.9 s of capture"
    assert reports(p.stdout) == RECORDS and "damaged" not in p.stderr


def test_run_on_a_damaged_capture_logs_the_record_and_plays_on(workdir, data_dir, cleanup):
    data_dir.chmod(0o700)
    t = times()
    t[10] += 3 * YEAR_US
    path = workdir / "run-ahead.btsnoop"
    capture(path, t)
    agent = Agent(workdir, data_dir, radio=f"btsnoop:{path}", enabled=False)
    cleanup(agent.stop)
    wait_until(lambda: "capture replayed" in agent.process.output(), 30, "the whole capture to be played")
    log = agent.process.output()
    assert "radio: capture damaged:" in log and "record 11: its time is 3 years after record 10's" in log, log
    assert agent.counter("welkom_sightings_total", source="radio") == RECORDS
    assert agent.stop() == 0
