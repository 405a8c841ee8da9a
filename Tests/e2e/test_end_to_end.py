"""Issue 2's end-to-end path on real parts: Bumble's controller on a pty → `welkom run` →
the till page in headless Chromium → the ledger export."""

import pytest
from selenium.webdriver.common.by import By

from conftest import ANNA_KEY, Agent, BumbleStore, ledger, prompt_texts, wait_until, welkom


def enrol_anna(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
           "--name", "Anna", "--locale", "nl", "--beacon-key", ANNA_KEY)


def prompts_on(browser):
    return prompt_texts(browser)


@pytest.mark.parametrize("reports", ["legacy", "extended"])
def test_enrolled_customer_is_greeted_at_the_till_and_nobody_else(reports, workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=6, legacy=(reports == "legacy"))
    cleanup(rig.stop)
    agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}")
    cleanup(agent.stop)

    agent.pair(browser, "1")
    texts = wait_until(lambda: prompts_on(browser), 60, "a prompt on the till page")
    assert texts == ["Welkom terug, Anna"]

    # Strangers were heard (the rig's advertisers reached the agent) and dropped.
    wait_until(lambda: agent.counter("welkom_sightings_unmatched_total", source="radio") >= 50, 60,
               "strangers' sightings to be counted")
    page = browser.page_source.lower()
    for token in rig.stranger_tokens():
        assert token not in page

    # Staff acknowledge; the acknowledgement is in the ledger and the card leaves the page.
    browser.find_element(By.CSS_SELECTOR, "#prompts .prompt button.ack").click()
    wait_until(lambda: not prompts_on(browser), 20, "the acknowledged prompt to leave the page")
    wait_until(lambda: any(e["kind"] == "acknowledgement" for e in ledger(data_dir)), 20, "the acknowledgement entry")

    assert agent.stop() == 0
    entries = ledger(data_dir)
    recognitions = [e for e in entries if e["kind"] == "recognition"]
    assert len(recognitions) == 1, recognitions
    assert recognitions[0]["customer"] == "anna"
    assert recognitions[0]["scheme"] == "wlk1"
    assert recognitions[0]["till"] == "1"
    ack = [e for e in entries if e["kind"] == "acknowledgement"]
    assert len(ack) == 1 and ack[0]["prompt"] == recognitions[0]["prompt"]
    assert {e["kind"] for e in entries} == {"consent_given", "recognition", "acknowledgement"}
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0


def test_recognition_off_by_default_greets_nobody(workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=3)
    cleanup(rig.stop)
    agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}", enabled=False)
    cleanup(agent.stop)

    agent.pair(browser, "1")
    # Wait until the agent has demonstrably processed Anna's advertisements (hundreds of reports).
    wait_until(lambda: agent.counter("welkom_sightings_total", source="radio") >= 300, 60, "sightings to arrive")
    assert prompts_on(browser) == []
    assert agent.counter("welkom_recognitions_total") == 0
    assert agent.stop() == 0
    assert "recognition is off" in agent.process.output()
    assert [e["kind"] for e in ledger(data_dir)] == ["consent_given"]
