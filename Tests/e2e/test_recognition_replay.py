"""Issue 3's replay test: `welkom replay` on a Bumble capture holding every radio scheme — a WLK1
fob, an RPA from an enrolled IRK, an Eddystone-EID beacon and an iBeacon, plus strangers of each
kind — recognises exactly the enrolled ones, each under its own scheme, one JSON line per report;
and with allow_static_identifiers = false the iBeacon is not recognised (invariant 7), while the
rest is unchanged. The expected counts come from the test's own reading of the capture."""

import json
import re
import struct
import subprocess
import sys
import time

import pytest

from conftest import RIG_PYTHON, RIGS, welkom

sys.path.insert(0, str(RIGS))
from bumble_beacons import eid  # noqa: E402  (the rigs' crypto, checked there against the spec vectors)
from bumble_store import wlk1_token  # noqa: E402

WANDA_KEY = "8899aabbccddeeff0011223344556677"  # WLK1 beacon key
RIA_IRK = "ec0234a357c8ad05341010a60a397d9b"  # the Core spec's sample IRK
EVE_EID_KEY = "000102030405060708090a0b0c0d0e0f"  # the EID spec vectors' key
EID_EXPONENT = 10
IVY_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
IVY_IBEACON = f"{IVY_UUID}:7:42"

# btsnoop timestamps count microseconds from 0 AD; this is the Unix epoch on that scale.
BTSNOOP_UNIX_EPOCH_US = 0x00DCDDB30F2F8000


def controller_records(raw: bytes) -> list:
    """(unix_seconds, packet) of every complete controller → host record: the test's own reading."""
    assert raw[:8] == b"btsnoop\0"
    records, offset = [], 16
    while offset + 24 <= len(raw):
        _, included, flags, _, timestamp = struct.unpack(">IIIIq", raw[offset:offset + 24])
        end = offset + 24 + included
        if end > len(raw):
            break
        if flags & 1:
            records.append(((timestamp - BTSNOOP_UNIX_EPOCH_US) / 1e6, raw[offset + 24:end]))
        offset = end
    return records


def carrying(records, needles) -> int:
    return sum(1 for _, packet in records if any(n in packet for n in needles))


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """A few seconds of the four enrolled devices and three strangers of each kind but WLK1."""
    d = tmp_path_factory.mktemp("schemes")
    path, strangers_file = d / "schemes.btsnoop", d / "strangers.txt"
    epoch = int(time.time()) - 100_000
    p = subprocess.run([RIG_PYTHON, str(RIGS / "bumble_beacons.py"), "--capture", str(path), "--seconds", "3",
                        "--wlk1-key", WANDA_KEY, "--rpa-irk", RIA_IRK, "--eid", f"{EVE_EID_KEY}:{EID_EXPONENT}:{epoch}",
                        "--ibeacon", IVY_IBEACON, "--stranger-rpas", "3", "--stranger-eids", "3",
                        "--stranger-ibeacons", "3", "--identifiers-file", str(strangers_file)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"WROTE {path}" in p.stdout, p.stdout + p.stderr
    rpa = re.search(rf"^RPA {RIA_IRK} ([0-9a-f]{{12}})$", p.stdout, re.M)
    assert rpa, "the rig should print the enrolled fob's RPA: " + p.stdout
    strangers = [line.strip() for line in strangers_file.read_text().splitlines() if line.strip()]
    assert len(strangers) == 9

    records = controller_records(path.read_bytes())
    first, last = records[0][0], records[-1][0]
    expected = {
        "wlk1": carrying(records, {wlk1_token(bytes.fromhex(WANDA_KEY), t) for t in (first, last)}),
        "rpa": carrying(records, {bytes.fromhex(rpa.group(1))[::-1]}),  # HCI carries addresses LSB first
        "eid": carrying(records, {eid(bytes.fromhex(EVE_EID_KEY), EID_EXPONENT, int(t) - epoch) for t in (first, last)}),
        "static": carrying(records, {bytes.fromhex(IVY_UUID.replace("-", ""))}),
    }
    for scheme, n in expected.items():
        assert n >= 10, f"the capture should hold a few seconds of the {scheme} device ({expected})"
    return {"path": path, "epoch": epoch, "expected": expected, "strangers": strangers}


@pytest.fixture
def enrolled(data_dir, capture):
    def enrol(customer, *identifiers):
        welkom("consent", "enroll", "--data", data_dir, "--customer", customer, "--scopes", "greeting", *identifiers)

    enrol("wanda", "--beacon-key", WANDA_KEY)
    enrol("ria", "--irk", RIA_IRK)
    enrol("eve", "--eid-key", EVE_EID_KEY, "--eid-exponent", str(EID_EXPONENT), "--eid-epoch", str(capture["epoch"]))
    enrol("ivy", "--static", f"ibeacon:{IVY_IBEACON}")
    return data_dir


def replay(capture, data_dir, workdir, allow_static: bool):
    config = workdir / f"welkom-static-{str(allow_static).lower()}.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-3"\n'
                      f"allow_static_identifiers = {str(allow_static).lower()}\n")
    p = welkom("replay", capture["path"], "--data", data_dir, "--config", config, "--format", "jsonl")
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    for text in capture["strangers"]:
        assert text not in p.stdout.lower() and text not in p.stderr.lower(), "a stranger's identifier was printed"
    counts = {}
    for line in lines:
        counts[(line["customer"], line["scheme"])] = counts.get((line["customer"], line["scheme"]), 0) + 1
    return counts, p


def test_every_scheme_in_one_capture_is_recognised_and_strangers_are_not(capture, enrolled, workdir):
    counts, p = replay(capture, enrolled, workdir, allow_static=True)
    e = capture["expected"]
    assert counts == {("wanda", "wlk1"): e["wlk1"], ("ria", "rpa"): e["rpa"], ("eve", "eid"): e["eid"],
                      ("ivy", "static"): e["static"]}, p.stderr
    assert re.search(rf"\b{sum(e.values())} recognised\b", p.stderr), p.stderr


def test_static_identifiers_are_not_recognised_when_not_allowed(capture, enrolled, workdir):
    counts, p = replay(capture, enrolled, workdir, allow_static=False)
    e = capture["expected"]
    assert counts == {("wanda", "wlk1"): e["wlk1"], ("ria", "rpa"): e["rpa"], ("eve", "eid"): e["eid"]}, p.stderr
    assert "ivy" not in p.stdout
