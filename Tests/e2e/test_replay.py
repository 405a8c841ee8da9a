"""`welkom replay` per docs/contract.md: a btsnoop capture written by Bumble (Tests/Rigs/
bumble_capture.py, host side) run through the recogniser with the capture's own timestamps as the
clock. stdout: one JSON object per recognition and nothing for anyone else; stderr: counts only."""

import json
import re
import struct
import subprocess
import time
from datetime import datetime, timezone

import pytest

from conftest import ANNA_KEY, RIG_PYTHON, RIGS, ledger, welkom

# btsnoop timestamps count microseconds from 0 AD; this is the Unix epoch on that scale.
BTSNOOP_UNIX_EPOCH_US = 0x00DCDDB30F2F8000
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def btsnoop_records(raw: bytes) -> list:
    """(offset, end, flags, unix_seconds, packet) for every complete record: the test's own reading
    of the file, independent of the Swift reader."""
    assert raw[:8] == b"btsnoop\0" and struct.unpack(">II", raw[8:16]) == (1, 1002)
    records, offset = [], 16
    while offset + 24 <= len(raw):
        _, included, flags, _, timestamp = struct.unpack(">IIIIq", raw[offset:offset + 24])
        end = offset + 24 + included
        if end > len(raw):
            break
        records.append((offset, end, flags, (timestamp - BTSNOOP_UNIX_EPOCH_US) / 1e6, raw[offset + 24:end]))
        offset = end
    return records


def rig_token(key: str, at: float) -> bytes:
    out = subprocess.run([RIG_PYTHON, str(RIGS / "bumble_store.py"), "--print-token", key, "--at", str(at)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return bytes.fromhex(out.strip())


def reports_carrying(records, tokens) -> int:
    """Controller → host records whose packet carries one of the tokens."""
    return sum(1 for r in records if r[2] & 1 and any(t in r[4] for t in tokens))


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """A few seconds of Anna's fob and four strangers, as the scanning host saw it."""
    d = tmp_path_factory.mktemp("capture")
    path, tokens_file = d / "scan.btsnoop", d / "stranger-tokens.txt"
    p = subprocess.run([RIG_PYTHON, str(RIGS / "bumble_capture.py"), "--output", str(path), "--seconds", "3",
                        "--enrolled-key", ANNA_KEY, "--strangers", "4", "--strangers-tokens-file", str(tokens_file)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"WROTE {path}" in p.stdout, p.stdout + p.stderr
    time.sleep(2)  # so that "now" at replay time lies clearly after everything in the capture
    strangers = {line.strip().lower() for line in tokens_file.read_text().splitlines() if line.strip()}
    assert len(strangers) == 4
    return {"path": path, "strangers": strangers, "mtime": path.stat().st_mtime}


@pytest.fixture
def anna_data(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
           "--name", "Anna", "--beacon-key", ANNA_KEY)
    return data_dir


def recognition_config(workdir, data_dir):
    cfg = workdir / "welkom.toml"
    cfg.write_text(f'[data]\ndir = "{data_dir}"\n\n[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n')
    return cfg


def replay(capture_path, data_dir, *args, check=True):
    return welkom("replay", capture_path, "--data", data_dir, *args, "--format", "jsonl", check=check)


def assert_no_stranger(text: str, strangers):
    lowered = text.lower()
    for token in strangers:
        assert token not in lowered, "a stranger's token was printed"


def test_replay_prints_each_recognition_at_capture_time_and_nobody_else(capture, anna_data, workdir):
    records = btsnoop_records(capture["path"].read_bytes())
    first, last = records[0][3], records[-1][3]
    anna_tokens = {rig_token(ANNA_KEY, first), rig_token(ANNA_KEY, last)}
    expected = reports_carrying(records, anna_tokens)
    assert expected >= 10, "the capture should hold a few seconds of Anna's advertisements"

    p = replay(capture["path"], anna_data, "--config", recognition_config(workdir, anna_data))
    lines = p.stdout.splitlines()
    assert len(lines) == expected, p.stdout + p.stderr
    for line in lines:
        obj = json.loads(line)
        assert list(obj) == ["time", "customer", "scheme", "till", "rssi"], line  # in the contract's order
        assert (obj["customer"], obj["scheme"], obj["till"]) == ("anna", "wlk1", None), line
        assert type(obj["rssi"]) is int, line
        assert RFC3339.match(obj["time"]), line
        t = datetime.fromisoformat(obj["time"]).timestamp()
        # The capture's clock, not the replay's: within the recorded span, before the file was closed.
        assert first - 0.001 <= t <= last + 0.001, (line, first, last)
        # Before the file was closed. The kernel stamps mtime from its coarse clock (one scheduler
        # tick, up to 4 ms at HZ=250, behind the clock the recorder reads), and the time prints
        # rounded to the millisecond: a record written last may read up to ~5 ms past the mtime.
        assert t <= capture["mtime"] + 0.010, line
    assert_no_stranger(p.stdout, capture["strangers"])

    assert p.stderr.strip(), "no summary on stderr"
    assert re.search(rf"\b{expected}\b", p.stderr) and "recogni" in p.stderr, p.stderr
    assert_no_stranger(p.stderr, capture["strangers"])
    assert "anna" not in p.stderr.lower(), "the summary names a customer; it should hold counts only"
    # Replaying is reading: the ledger is as enrolment left it.
    assert [e["kind"] for e in ledger(anna_data)] == ["consent_given"]


def test_replay_without_config_recognises_nobody(capture, anna_data):
    p = replay(capture["path"], anna_data)
    assert p.stdout == ""
    assert "recognition is off" in p.stderr
    assert_no_stranger(p.stderr, capture["strangers"])


def test_a_capture_cut_mid_record_replays_what_is_complete(capture, anna_data, workdir):
    raw = capture["path"].read_bytes()
    records = btsnoop_records(raw)
    assert len(records) > 20
    # Cut inside the packet of a record carrying Anna's token, about two thirds in.
    anna_tokens = {rig_token(ANNA_KEY, records[0][3]), rig_token(ANNA_KEY, records[-1][3])}
    carrying = [i for i, r in enumerate(records) if r[2] & 1 and any(t in r[4] for t in anna_tokens)]
    cut_index = carrying[len(carrying) * 2 // 3]
    offset, end = records[cut_index][0], records[cut_index][1]
    cut = workdir / "cut.btsnoop"
    cut.write_bytes(raw[:offset + 24 + (end - offset - 24) // 2])
    complete = records[:cut_index]
    expected = reports_carrying(complete, anna_tokens)
    assert 0 < expected < reports_carrying(records, anna_tokens)

    p = replay(cut, anna_data, "--config", recognition_config(workdir, anna_data), check=False)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == expected, p.stdout + p.stderr
    assert all(json.loads(line)["customer"] == "anna" for line in lines)
    assert datetime.fromisoformat(json.loads(lines[-1])["time"]).timestamp() <= records[cut_index - 1][3] + 0.001
    assert "partial" in p.stderr, "the summary should say the capture ends in a partial record: " + p.stderr


@pytest.mark.parametrize("content", [b"", b"this is not a capture\n", b"btsnoop\0\0\0\0\2\0\0\x03\xea"],
                         ids=["empty", "text", "version-2"])
def test_a_file_that_is_not_a_btsnoop_capture_is_refused_clearly(content, anna_data, workdir):
    bogus = workdir / "notes.btsnoop"
    bogus.write_bytes(content)
    p = replay(bogus, anna_data, "--config", recognition_config(workdir, anna_data), check=False)
    assert p.returncode != 0
    assert p.stdout == ""
    assert str(bogus) in p.stderr, p.stderr
    assert "btsnoop" in p.stderr.lower() or "version" in p.stderr.lower(), p.stderr
    assert "Fatal error" not in p.stderr and "Stack dump" not in p.stderr, p.stderr
