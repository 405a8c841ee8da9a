"""The ACS ACR122U NFC reader through the whole agent: `welkom run` inside umockdev-run, where
libusb finds the fixture ACR122U (card-readers.umockdev, usbfs node 001/003) and replays
Tests/WelkomCardsTests/Fixtures/acr122u.ioctl (written by make_fixtures.py).

One replay session: CCID power-on; a poll with no card; the 4-byte UID 04 A1 B2 C3 → the
"recognised" LED/buzzer command (FF 00 40 AC 04 01 01 01 01: green blink, one beep); the same
card still there (no second verdict); taken away; the 7-byte UID 04 11 22 33 44 55 66 → the
"refused" command (FF 00 40 5C 04 02 02 03 01: red blinks, three beeps); the 5-byte UID
04 11 22 33 44 (no valid size) → refused at the reader; then an unplug (status -19), after which
the agent reopens the reader and the replay starts over.

How the LED/buzzer feedback is asserted: umockdev answers only OUT transfers whose bytes match
the recording exactly, so a missing, wrong or mis-sequenced feedback command makes the reader's
next transfer fail with an error other than the recorded unplug, and the rest of that session
(the stranger, the 5-byte UID) is never read. So when every reopen was caused by
LIBUSB_ERROR_NO_DEVICE and each session delivered all its codes (two UIDs and one reject), the
reader received exactly the green signal for the customer and the red one for the others.
`test_the_replay_rejects_the_wrong_feedback` shows the same check failing when the verdict is
wrong."""

import re

import pytest

from conftest import ledger, wait_until, welkom
from test_readers_usb import start_agent, tree_holds, usb_rig
from test_readers_doctor import doctor

ACR122U = '[[reader]]\nkind = "acr122u"\nusb = "072f:2200"\ntill = "2"\n'
ENROLLED_UID = "04A1B2C3"            # acr122u.ioctl's first card (4 bytes)
STRANGER_UID = "04112233445566"      # its second card (7 bytes), enrolled by nobody
BAD_UID = "0411223344"               # its third "card": 5 bytes, not an ISO 14443 UID size


def rig():
    return usb_rig("acr122u.ioctl", node="/dev/bus/usb/001/003")


def reopen_reasons(log: str) -> set:
    """The error each "card reader gone; reopening" line gives."""
    reasons = set()
    for line in log.splitlines():
        if "card reader gone; reopening" in line:
            found = re.search(r'error=("?)([A-Z_]+)\1', line)
            reasons.add(found.group(2) if found else line)
    return reasons


def whole_sessions(agent):
    """(sessions ended by the recorded unplug, loyalty codes read, rejected codes) in one scrape."""
    metrics = agent.metrics()
    def value(name, label=""):
        total = 0.0
        for line in metrics.splitlines():
            key, _, number = line.rpartition(" ")
            if not line.startswith("#") and key.partition("{")[0] == name and label in key:
                total += float(number)
        return total
    return (value("welkom_reader_disconnects_total"), value("welkom_card_codes_total", 'result="loyalty"'),
            value("welkom_card_codes_total", 'result="invalid"'))


def spellings(uid_hex: str) -> list:
    """Every way a UID could be written down: hex in either case, with separators, raw bytes."""
    pairs = [uid_hex[i:i + 2] for i in range(0, len(uid_hex), 2)]
    texts = {uid_hex.lower(), uid_hex.upper()}
    for sep in (":", " ", "-"):
        texts |= {sep.join(pairs).lower(), sep.join(pairs).upper()}
    return [t.encode() for t in sorted(texts)] + [bytes.fromhex(uid_hex)]


def test_an_enrolled_nfc_card_is_recognised_at_its_till_and_the_reader_shows_green(workdir, data_dir, cleanup, monkeypatch):
    # Enrolled as the desk types it, upper case; the reader's UID is normalised to uid:04a1b2c3.
    welkom("consent", "enroll", "--data", data_dir, "--customer", "ana", "--scopes", "greeting",
           "--card", f"uid:{ENROLLED_UID}")
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, None, readers=ACR122U, rig=rig())

    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="card") >= 1, 60, "Ana's card to be recognised")
    # Two whole replay sessions: the feedback after each card matched the recording both times.
    wait_until(lambda: agent.counter("welkom_reader_disconnects_total") >= 2, 60, "the reader to be unplugged and reopened")
    unplugs, loyalty, invalid = whole_sessions(agent)
    assert loyalty >= 2 * unplugs and invalid >= unplugs, \
        f"a session ended early ({unplugs} unplugs, {loyalty} UIDs, {invalid} rejects): a feedback frame did not match"
    assert agent.counter("welkom_sightings_unmatched_total", source="card") >= 2
    assert agent.process.alive()
    metrics = agent.metrics()
    assert agent.stop() == 0

    log = agent.process.output()
    assert "card reader open" in log, log
    assert reopen_reasons(log) == {"LIBUSB_ERROR_NO_DEVICE"}, log
    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert len(recognitions) == 1, recognitions             # the cool-down holds the repeats back
    assert (recognitions[0]["customer"], recognitions[0]["scheme"], recognitions[0]["till"]) == ("ana", "card", "2")
    # Even the customer's own UID is never logged or used as a label.
    for spelling in spellings(ENROLLED_UID)[:-1]:
        assert spelling.decode() not in log, f"the log holds the enrolled UID ({spelling})"
        assert spelling.decode() not in metrics, f"/metrics holds the enrolled UID ({spelling})"


def test_a_stranger_s_nfc_card_is_refused_and_leaves_no_trace(workdir, data_dir, cleanup, monkeypatch):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "ana", "--scopes", "greeting",
           "--card", f"uid:{ENROLLED_UID}")
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, None, readers=ACR122U, rig=rig())
    wait_until(lambda: agent.counter("welkom_reader_disconnects_total") >= 2, 60, "two whole replay sessions")
    # The stranger's 7-byte UID reached the agent, matched nothing, and the reader got the red
    # signal (else the replay would have stopped before the 5-byte UID and the unplug).
    unplugs, loyalty, invalid = whole_sessions(agent)
    assert loyalty >= 2 * unplugs and invalid >= unplugs, (unplugs, loyalty, invalid)
    assert agent.counter("welkom_sightings_unmatched_total", source="card") >= 2
    metrics = agent.metrics()
    assert agent.stop() == 0

    log = agent.process.output()
    assert reopen_reasons(log) == {"LIBUSB_ERROR_NO_DEVICE"}, log
    # The 5-byte UID: one clear line per session naming the reader and the problem, not the UID.
    problems = [line for line in log.splitlines() if "unusable code" in line]
    assert len(problems) >= 2, log
    assert all("NFC UID of 5 bytes (expected 4, 7 or 10)" in line and "acr122u 072f:2200" in line
               for line in problems), problems
    # Neither the stranger's UID nor the bad one is anywhere (BAD_UID is also the stranger's prefix).
    for uid in (STRANGER_UID, BAD_UID):
        for spelling in spellings(uid):
            if spelling.isascii() and spelling.decode().isprintable():
                assert spelling.decode() not in log, f"the log holds a stranger's UID ({spelling})"
                assert spelling.decode() not in metrics, f"/metrics holds a stranger's UID ({spelling})"
            assert tree_holds(data_dir, spelling) == [], f"the data directory holds a stranger's UID ({spelling!r})"
    assert [(e["customer"], e["till"]) for e in ledger(data_dir) if e["kind"] == "recognition"] == [("ana", "2")]


def test_the_replay_rejects_the_wrong_feedback(workdir, data_dir, cleanup, monkeypatch):
    """The check the two tests above rely on can fail: with nobody enrolled the agent refuses the
    first card, the reader sends red where the recording has green, and the replay stops there."""
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, None, readers=ACR122U, rig=rig())
    wait_until(lambda: agent.counter("welkom_reader_disconnects_total") >= 2, 60, "the reader to be reopened")
    unplugs, loyalty, invalid = whole_sessions(agent)
    assert invalid == 0 and loyalty < 2 * unplugs, (unplugs, loyalty, invalid)
    assert agent.stop() == 0
    reasons = reopen_reasons(agent.process.output())
    assert reasons and "LIBUSB_ERROR_NO_DEVICE" not in reasons, reasons


def test_doctor_shows_the_acr122u_claimed_by_its_reader_entry(workdir):
    p = doctor(workdir, ACR122U)
    lines = p.stdout.splitlines()
    device = [l for l in lines if l.strip().startswith("072f:2200 at 1-2")]
    assert len(device) == 1 and device[0].endswith("→ reader 1 (acr122u, till 2)"), p.stdout + p.stderr
    reader = [l for l in lines if l.strip().startswith("reader 1:")]
    assert len(reader) == 1 and "held by the kernel driver pn533_usb" in reader[0], p.stdout
