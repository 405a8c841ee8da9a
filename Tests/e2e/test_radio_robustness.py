"""The radio keeps going for months (issue 4): the controller process killed mid-scan (SIGKILL, no
goodbye) and started again, over a pty and over TCP: the same agent process reconnects and
recognises again, without restarting itself."""

import os
import signal

import pytest

from conftest import ANNA_KEY, Agent, BumbleStore, free_port, wait_until, welkom


@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_controller_killed_mid_scan_and_restarted(transport, workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    port = free_port() if transport == "tcp" else None
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2, tcp_port=port)
    cleanup(rig.stop)  # a no-op once killed
    radio = f"tcp:127.0.0.1:{port}" if port else f"serial:{rig.pty}"
    agent = Agent(workdir, data_dir, radio=radio)
    cleanup(agent.stop)
    pid = agent.process.proc.pid

    wait_until(lambda: agent.counter("welkom_recognitions_total") >= 10, 60, "Anna recognised")
    os.killpg(rig.process.proc.pid, signal.SIGKILL)  # mid-scan, no clean close
    rig.process.proc.wait()
    rig.process.log.close()
    if rig.pty is not None and os.path.lexists(rig.pty):
        os.unlink(rig.pty)  # SIGKILL leaves the link behind; a replugged dongle gets a fresh node too
    wait_until(lambda: agent.counter("welkom_radio_reopens_total") >= 1, 30, "the agent to notice")
    before = agent.counter("welkom_recognitions_total")

    rig2 = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2, tcp_port=port)
    cleanup(rig2.stop)
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= before + 10, 60, "Anna recognised again")
    assert agent.process.alive() and agent.process.proc.pid == pid
    assert agent.stop() == 0
