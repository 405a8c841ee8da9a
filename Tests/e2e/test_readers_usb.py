"""USB card readers through the whole agent: `welkom run` runs inside umockdev-run, where libusb
finds the fixture readers of Tests/WelkomCardsTests/Fixtures (card-readers.umockdev) and their
replayed traffic (*.ioctl, written by make_fixtures.py). The replay loops: a scanner types its
codes, is unplugged (status -19), is reopened by the agent, and types them again."""

import os
import shutil
from pathlib import Path

import pytest

import conftest
from conftest import Agent, ledger, wait_until, welkom

FIXTURES = Path(__file__).resolve().parents[1] / "WelkomCardsTests" / "Fixtures"
CHLOE_CARD = "8712345678906"          # what keyboard-wedge.ioctl types first
VISA_TEST_PAN = "4111111111111111"     # keyboard-wedge-payment.ioctl swipes its track 2
WEDGE = '[[reader]]\nkind = "hid-keyboard"\nusb = "05e0:1200"\nlayout = "us"\ntill = "2"\n'


def umockdev_wrapper(workdir: Path, rig: list) -> str:
    """A stand-in for the welkom binary that runs it inside umockdev-run with the fixture readers
    (`rig`: umockdev-run's --device/--ioctl/--evemu-events arguments). umockdev-run passes
    SIGTERM on to welkom, so the harness stops it as usual."""
    umockdev_run = shutil.which("umockdev-run")
    if umockdev_run is None:
        pytest.fail("umockdev-run is not installed (apt-get install -y umockdev): the USB reader rig needs it")
    script = workdir / "welkom-in-umockdev"
    args = " ".join(f'"{a}"' for a in rig)
    script.write_text(f'#!/bin/sh\nexec "{umockdev_run}" {args} -- "{conftest.WELKOM}" "$@"\n')
    script.chmod(0o755)
    return str(script)


def usb_rig(ioctl: str, node="/dev/bus/usb/001/005") -> list:
    return ["--device", str(FIXTURES / "card-readers.umockdev"), "--ioctl", f"{node}={FIXTURES / ioctl}"]


def start_agent(workdir, data_dir, cleanup, monkeypatch, ioctl, readers=WEDGE, rig=None) -> Agent:
    monkeypatch.setattr(conftest, "WELKOM", umockdev_wrapper(workdir, rig or usb_rig(ioctl)))
    agent = Agent(workdir, data_dir, radio="", readers_toml=readers)
    monkeypatch.undo()
    cleanup(agent.stop)
    return agent


def tree_holds(directory: Path, needle: bytes) -> list:
    return [str(p) for p in directory.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_enrolled_card_on_a_keyboard_wedge_is_recognised_at_its_till(workdir, data_dir, cleanup, monkeypatch):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "chloe", "--scopes", "greeting,name",
           "--name", "Chloé", "--locale", "en", "--card", CHLOE_CARD)
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, "keyboard-wedge.ioctl")

    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="card") >= 1, 60, "Chloé's card to be recognised")
    # The fixture also types a bad check digit and half a code before each unplug; the agent
    # rejects both, reopens the scanner and keeps reading.
    wait_until(lambda: agent.counter("welkom_reader_disconnects_total") >= 2, 60, "the scanner to be unplugged and reopened")
    assert agent.counter("welkom_card_codes_total", result="invalid") >= 2
    assert agent.process.alive()
    metrics = agent.metrics()
    assert agent.stop() == 0

    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert len(recognitions) == 1, recognitions           # the cool-down holds the repeats back
    assert (recognitions[0]["customer"], recognitions[0]["scheme"], recognitions[0]["till"]) == ("chloe", "card", "2")
    log = agent.process.output()
    assert "card reader open" in log and "card reader gone; reopening" in log, log
    problems = [line for line in log.splitlines() if "unusable code" in line]
    assert any("check digit" in line for line in problems), log
    assert any("partial code" in line for line in problems), log
    assert all("hid-keyboard 05e0:1200" in line for line in problems), problems
    for secret in (CHLOE_CARD, "8712345678901", "871234"):
        assert secret not in log, f"the log holds a code read from the scanner ({secret})"
        assert secret not in metrics, f"/metrics holds a code read from the scanner ({secret})"


def test_a_payment_card_swiped_on_a_wedge_reader_leaves_no_trace(workdir, data_dir, cleanup, monkeypatch):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "chloe", "--scopes", "greeting",
           "--card", CHLOE_CARD)
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, "keyboard-wedge-payment.ioctl")
    wait_until(lambda: agent.counter("welkom_card_codes_total", result="payment") >= 3, 60, "swipes to be dropped")
    assert agent.counter("welkom_card_codes_total", result="loyalty") == 0
    assert agent.counter("welkom_sightings_total", source="card") == 0
    metrics = agent.metrics()
    assert agent.stop() == 0

    log = agent.process.output()
    assert "unusable code" not in log, "a payment card is dropped silently, not reported"
    for secret in (VISA_TEST_PAN, "411111", "2512101"):
        assert secret not in log, f"the log holds part of the payment card ({secret})"
        assert secret not in metrics, f"/metrics holds part of the payment card ({secret})"
        assert tree_holds(data_dir, secret.encode()) == [], f"the data directory holds {secret}"
    assert [e for e in ledger(data_dir) if e["kind"] == "recognition"] == []


def test_a_reader_flooding_garbage_is_rejected_without_a_crash(workdir, data_dir, cleanup, monkeypatch):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "dirk", "--scopes", "greeting", "--card", "96385074")
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, "keyboard-wedge-garbage.ioctl")
    # After 300 keys without a terminator and a volley of function keys, the good code still counts.
    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="card") >= 1, 60, "Dirk's card after the garbage")
    wait_until(lambda: agent.counter("welkom_card_codes_total", result="invalid") >= 4, 60, "the garbage to be rejected")
    assert agent.process.alive()
    assert agent.stop() == 0
    log = agent.process.output()
    assert "longer than 256" in log, log
    assert "types nothing in the configured keyboard layout" in log, log
    assert "7777777" not in log
    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert [(e["customer"], e["till"]) for e in recognitions] == [("dirk", "2")]


def test_every_reader_kind_starts_from_the_config(workdir, data_dir, cleanup, monkeypatch):
    """A HID-POS scanner (libusb) and an AZERTY evdev scanner (evemu replay) in one agent, each
    routed to its own till."""
    welkom("consent", "enroll", "--data", data_dir, "--customer", "chloe", "--scopes", "greeting", "--card", CHLOE_CARD)
    welkom("consent", "enroll", "--data", data_dir, "--customer", "dirk", "--scopes", "greeting", "--card", "96385074")
    readers = ('[[reader]]\nkind = "hid-pos"\nusb = "0c2e:0b6a"\ntill = "1"\n\n'
               '[[reader]]\nkind = "evdev"\npath = "/dev/input/event9"\nlayout = "fr"\ntill = "2"\n')
    rig = usb_rig("hid-pos.ioctl", node="/dev/bus/usb/001/006") + [
        "--device", str(FIXTURES / "evdev-scanner.umockdev"),
        "--evemu-events", f"/dev/input/event9={FIXTURES / 'evdev-scanner.events'}"]
    agent = start_agent(workdir, data_dir, cleanup, monkeypatch, None, readers=readers, rig=rig)
    def recognitions():
        return sorted((e["customer"], e["till"]) for e in ledger(data_dir) if e["kind"] == "recognition")

    wait_until(lambda: len(recognitions()) >= 2, 60, "both cards to be recognised")
    assert agent.stop() == 0
    assert recognitions() == [("chloe", "1"), ("dirk", "2")]
    log = agent.process.output()
    assert "not started" not in log
    assert "reader=\"evdev /dev/input/event9\"" in log or "evdev /dev/input/event9" in log, log
