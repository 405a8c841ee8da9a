"""The serial scanner path through the whole agent: a pty pair from socat stands in for a barcode /
magstripe scanner on a serial line (docs/test-rigs.md, serial lines), `welkom run` reads it as a `[[reader]]
kind = "serial"`, and the ledger says who was recognised at which till."""

import os
import shutil

import pytest

from conftest import Agent, Process, ledger, wait_until, welkom

CHLOE_CARD = "4006381333931"
GARBAGE = "\x1b[Aabc"
BAD_CHECK_DIGIT = "8712345678901"
PAYMENT_TRACK2 = ";4111111111111111=25121010000000000000?"
PAYMENT_PAN = "4111111111111111"
UNKNOWN_EAN = "8712345678906"


class ScannerLine:
    """`socat pty,raw,echo=0 pty,raw,echo=0`: WORKDIR/scanner is the agent's end, WORKDIR/scanner-host the scanner's."""

    def __init__(self, workdir):
        socat = shutil.which("socat")
        if socat is None:
            pytest.fail("socat is not installed (apt-get install -y socat): the serial scanner rig needs it")
        self.device = workdir / "scanner"
        self.host = workdir / "scanner-host"
        self.process = Process([socat, "-d", "-d", f"pty,raw,echo=0,link={self.device}",
                                f"pty,raw,echo=0,link={self.host}"], workdir / "socat.log")
        wait_until(lambda: (self.device.exists() and self.host.exists()) or not self.process.alive(), 20,
                   "socat's pty links")
        if not self.process.alive():
            raise AssertionError("socat did not start:\n" + self.process.output())
        self.fd = os.open(self.host, os.O_WRONLY | os.O_NOCTTY)

    def send(self, line: str):
        os.write(self.fd, (line + "\r\n").encode())

    def stop(self):
        os.close(self.fd)
        self.process.stop()


def codes(agent) -> float:
    return agent.counter("welkom_card_codes_total")


def test_serial_scanner_recognises_an_enrolled_card_and_drops_everything_else(workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "chloe", "--scopes", "greeting,name",
           "--name", "Chloé", "--locale", "en", "--card", CHLOE_CARD)
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "2"\n'
    agent = Agent(workdir, data_dir, radio="", readers_toml=reader)
    cleanup(agent.stop)
    wait_until(lambda: "card reader open" in agent.process.output(), 30, "the agent to open the scanner")

    # One code at a time, each waited for, so every line is judged on its own.
    for line in (GARBAGE, BAD_CHECK_DIGIT, PAYMENT_TRACK2, UNKNOWN_EAN, CHLOE_CARD):
        before = codes(agent)
        scanner.send(line)
        wait_until(lambda: codes(agent) > before, 30, "the agent to count the code")

    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="card") >= 1, 30, "Chloé to be recognised")
    assert agent.counter("welkom_card_codes_total", result="invalid") >= 2
    assert agent.counter("welkom_card_codes_total", result="payment") == 1
    assert agent.counter("welkom_card_codes_total", result="loyalty") == 2
    assert agent.counter("welkom_sightings_total", source="card") == 2
    assert agent.counter("welkom_sightings_unmatched_total", source="card") == 1
    assert agent.process.alive()
    metrics = agent.metrics()
    assert agent.stop() == 0

    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert len(recognitions) == 1, recognitions
    assert (recognitions[0]["customer"], recognitions[0]["scheme"], recognitions[0]["till"]) == ("chloe", "card", "2")

    log = agent.process.output()
    problems = [line for line in log.splitlines() if "unusable code" in line]
    assert len(problems) >= 2, "the garbage and the bad check digit each deserve a line:\n" + log
    for line in problems:
        assert str(scanner.device) in line, f"the line does not name the reader: {line}"
    assert any("check digit" in line for line in problems), log
    assert any("control character" in line for line in problems), log
    for secret in (PAYMENT_PAN, BAD_CHECK_DIGIT, UNKNOWN_EAN, CHLOE_CARD, "[Aabc", "\x1b"):
        assert secret not in log, f"the log holds a code read from the scanner ({secret!r})"
        assert secret not in metrics, f"/metrics holds a code read from the scanner ({secret!r})"


def test_five_thousand_unusable_scanner_lines_give_a_bounded_number_of_log_lines(workdir, data_dir, cleanup):
    """Issue 12, finding 7: 5,000 lines of noise gave 2,546 log lines. Now at most 10 a minute per
    reader are logged, then one line says the rest are only counted; /metrics counts every one."""
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "2"\n'
    agent = Agent(workdir, data_dir, radio="", readers_toml=reader)
    cleanup(agent.stop)
    wait_until(lambda: "card reader open" in agent.process.output(), 30, "the agent to open the scanner")
    for i in range(5000):
        scanner.send(f"noise{i}\x07")
    wait_until(lambda: agent.counter("welkom_card_codes_total", result="invalid") >= 5000, 120,
               "the agent to count all 5,000 lines")
    log = agent.process.output()
    problems = [line for line in log.splitlines() if "unusable code" in line]
    assert 1 <= len(problems) <= 12, f"{len(problems)} log lines for 5,000 unusable codes"
    assert any("only counted" in line for line in problems), log[-2000:]
    assert "noise" not in log
