"""The agent's ledger timers: a signed checkpoint every ledger.checkpoint_interval_seconds while it
runs (when the tree grew) and one when it stops; the retention purge runs at start."""

import json

from conftest import Agent, ledger, wait_until, welkom


def checkpoints(data_dir) -> list:
    lines = welkom("audit", "export", "--data", data_dir, "--checkpoint").stdout.splitlines()
    last = json.loads(lines[-1]) if lines else {}
    return [last] if "checkpoint" in last else []


def test_agent_signs_checkpoints_on_its_interval_and_when_it_stops(workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting", "--card", "4006381333931")
    assert checkpoints(data_dir) == []
    agent = Agent(workdir, data_dir, radio="", extra_toml="[ledger]\ncheckpoint_interval_seconds = 1\n")
    cleanup(agent.stop)
    wait_until(lambda: checkpoints(data_dir), 30, "a checkpoint from the running agent")
    assert checkpoints(data_dir)[0]["tree_size"] == 1
    assert "ledger checkpoint signed" in agent.process.output()
    # A consent given while it runs: the next checkpoint covers it, and one more at shutdown is not
    # needed when nothing changed since.
    welkom("consent", "enroll", "--data", data_dir, "--customer", "bert", "--scopes", "greeting", "--card", "8712345678906")
    wait_until(lambda: checkpoints(data_dir)[0]["tree_size"] == 2, 30, "a checkpoint over the new entry")
    assert agent.stop() == 0
    verdict = welkom("audit", "verify", "--data", data_dir).stdout
    assert "ledger intact: 2 entries" in verdict, verdict


def test_agent_signs_a_checkpoint_when_it_stops(workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting", "--card", "4006381333931")
    agent = Agent(workdir, data_dir, radio="")  # default interval: 300 s, so only the stop signs
    cleanup(agent.stop)
    assert checkpoints(data_dir) == []
    assert agent.stop() == 0
    cps = checkpoints(data_dir)
    assert cps and cps[0]["tree_size"] == 1
    assert [e["kind"] for e in ledger(data_dir)] == ["consent_given"], "a purge with nothing to purge records nothing"
