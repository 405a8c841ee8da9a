"""Bad input from the radio gets a clear error and the agent keeps running (standards: "bad input
gets a clear error that says what and where, never a crash, and the caller can keep going").

Bumble's controller listens on TCP; Tests/Rigs/h4_relay.py sits between it and `welkom run` and,
once the agent scans, puts two crafted packets into the controller → host stream: a truncated
LE Meta event (the decoder must resynchronise) and an advertising report whose AD data overruns.
"""

import re
import signal

from conftest import ANNA_KEY, RIG_PYTHON, RIGS, Agent, BumbleStore, Process, free_port, ledger, wait_until, welkom

# The crafted report's address (C0:FF:EE:12:34:56) and AD bytes, as h4_relay.py sends them, in the
# spellings a log might use. None may appear anywhere in the log.
CRAFTED = ["c0ffee123456", "c0:ff:ee:12:34:56", "563412eeffc0", "020106", "1affffff5701c0de", "5701c0de"]


class Relay:
    """Tests/Rigs/h4_relay.py between the agent and the controller."""

    def __init__(self, workdir, controller_port: int):
        self.port = free_port()
        self.process = Process([RIG_PYTHON, str(RIGS / "h4_relay.py"), "--listen", str(self.port),
                                "--controller", str(controller_port)], workdir / "relay.log")
        wait_until(lambda: "READY" in self.process.output() or not self.process.alive(), 30, "the relay to be READY")
        if not self.process.alive():
            raise AssertionError("the relay did not start:\n" + self.process.output())

    def inject(self, kind: str):
        """Cues one injection and waits until the relay has put it on the wire."""
        line = f"INJECTED {kind} n="
        before = self.process.output().count(line)
        self.process.proc.send_signal(signal.SIGUSR1 if kind == "truncated" else signal.SIGUSR2)
        wait_until(lambda: self.process.output().count(line) > before, 20, f"the relay to inject {kind}")

    def stop(self):
        self.process.stop()


def lines_about(log: str, *words) -> list:
    return [line for line in log.splitlines() if any(w in line.lower() for w in words)]


def test_malformed_radio_input_is_reported_and_the_agent_keeps_recognising(workdir, data_dir, cleanup):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=4, tcp_port=free_port())
    cleanup(rig.stop)
    relay = Relay(workdir, rig.tcp_port)
    cleanup(relay.stop)
    agent = Agent(workdir, data_dir, radio=f"tcp:127.0.0.1:{relay.port}")  # default cool-down
    cleanup(agent.stop)

    # Scan set-up is over once reports flow; until now the stream was clean.
    wait_until(lambda: agent.counter("welkom_sightings_total", source="radio") >= 100, 60, "reports to flow")
    assert agent.counter("welkom_radio_framing_errors_total") == 0
    assert agent.counter("welkom_radio_malformed_reports_total") == 0

    relay.inject("truncated")
    wait_until(lambda: agent.counter("welkom_radio_framing_errors_total") >= 1, 30, "the framing error to be counted")
    # The real packets the truncated one swallowed may count as malformed too; the overrun must add one.
    malformed = agent.counter("welkom_radio_malformed_reports_total")
    relay.inject("overrun")
    wait_until(lambda: agent.counter("welkom_radio_malformed_reports_total") >= malformed + 1, 30,
               "the report whose AD data overruns to be counted as malformed")
    assert agent.process.alive()

    # Still handling reports afterwards, on the same connection (no reopen needed for bad bytes) ...
    after = agent.counter("welkom_sightings_total", source="radio")
    wait_until(lambda: agent.counter("welkom_sightings_total", source="radio") >= after + 200, 60,
               "sightings to keep arriving after the injections")
    assert "DISCONNECTED" not in relay.process.output()
    # ... and still recognising: Anna enrols only now, so her recognition comes after the bad input.
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
           "--name", "Anna", "--beacon-key", ANNA_KEY)
    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="wlk1") >= 1, 60, "Anna to be recognised")
    assert agent.process.alive()
    metrics = agent.metrics().lower()
    assert agent.stop() == 0

    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert [(e["customer"], e["scheme"]) for e in recognitions] == [("anna", "wlk1")]

    # A clear line about each problem, naming the transport, and no bytes of what was received.
    log = agent.process.output()
    framing = lines_about(log, "framing")
    malformed = lines_about(log, "malformed", "overrun", "overran")
    assert framing, "no log line about the framing error:\n" + log
    assert malformed, "no log line about the malformed report:\n" + log
    for line in framing + malformed:
        assert f"127.0.0.1:{relay.port}" in line, f"the line does not say where: {line}"
        assert not re.search(r"0x[0-9a-f]{2}\b", line, re.IGNORECASE), f"the line names a received byte: {line}"
    lowered = log.lower()
    for text in CRAFTED:
        assert text not in lowered, f"the log holds the crafted report's bytes ({text})"
    for token in rig.stranger_tokens():
        assert token not in lowered, "a stranger's token is in the log"
    for text in CRAFTED:
        assert text not in metrics, f"/metrics holds the crafted report's bytes ({text})"
