"""Invariant 3 against the running agent, by construction and not by timing: the customer's fob
advertises every 20 ms through a Bumble controller, greetings have no cool-down, and
`welkom consent withdraw` is issued 50 times in a row (re-enrolling in between). After each
withdrawal returns: no ledger entry names the customer, and no recognition — hence no prompt,
since a prompt needs its entry — is recorded after the withdrawal entry."""

import json

from conftest import ANNA_KEY, Agent, BumbleStore, ledger, wait_until, welkom

ROUNDS = 50


def test_fifty_withdrawals_under_a_20ms_fob(workdir, data_dir, cleanup):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2, interval_ms=20)
    cleanup(rig.stop)
    agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}", cooldown_minutes=0)
    cleanup(agent.stop)

    for round_ in range(ROUNDS):
        enrolled = welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
                          "--name", "Anna", "--beacon-key", ANNA_KEY)
        assert "the running agent has applied the change" in enrolled.stderr, enrolled.stderr
        # Greeted again (the fob is heard within tens of milliseconds of the enrolment).
        wait_until(lambda: any(e["kind"] == "recognition" and e["customer"] == "anna" for e in ledger(data_dir)),
                   30, f"round {round_}: a greeting of the enrolled customer")

        withdrawn = welkom("consent", "withdraw", "--data", data_dir, "--customer", "anna")
        assert "the running agent has applied the change" in withdrawn.stderr, withdrawn.stderr
        entries = ledger(data_dir)
        assert not [e for e in entries if e["customer"] == "anna"], f"round {round_}: the ledger still names her"
        last_withdrawal = max(e["seq"] for e in entries if e["kind"] == "consent_withdrawn")
        # Let the fob advertise a few dozen more times, then look again.
        seen_after = agent.counter("welkom_sightings_unmatched_total", source="radio")
        wait_until(lambda: agent.counter("welkom_sightings_unmatched_total", source="radio") >= seen_after + 20, 30,
                   f"round {round_}: more advertisements heard after the withdrawal")
        later = [e for e in ledger(data_dir) if e["seq"] > last_withdrawal]
        assert not later, f"round {round_}: recorded after the withdrawal returned: {json.dumps(later)}"

    assert agent.stop() == 0
    entries = ledger(data_dir)
    assert not [e for e in entries if e["customer"] == "anna"]
    assert sum(e["kind"] == "consent_withdrawn" for e in entries) == ROUNDS
    assert sum(e["kind"] == "recognition" for e in entries) >= ROUNDS
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0


def test_withdraw_without_a_running_agent_says_so(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    p = welkom("consent", "withdraw", "--data", data_dir, "--customer", "anna")
    assert "no agent is running on this data directory" in p.stderr, p.stderr
    assert "withdrawn anna" in p.stdout
