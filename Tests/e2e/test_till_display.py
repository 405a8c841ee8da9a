"""Issue 6's till display on real parts: Bumble's controller → `welkom run` → a paired page in
headless Chromium. Pairing guards every page, stream and action; a prompt from a real sighting
arrives, is acknowledged into the ledger, survives an agent restart without duplicates, and an
unpaired browser gets 401 and no names."""

import json
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import (ANNA_KEY, Agent, BumbleStore, ledger, pair_code, pair_token, wait_until, welkom)


def enrol_anna(data_dir, scopes="greeting,name", extra=()):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", scopes,
           "--name", "Anna", "--locale", "nl", "--beacon-key", ANNA_KEY, *extra)


def cards(browser):
    """(prompt id, text) of each card, read in one step so a card changing meanwhile cannot go stale."""
    return [tuple(c) for c in browser.execute_script(
        "return Array.from(document.querySelectorAll('#prompts article.prompt'))"
        ".map(c => [c.dataset.promptId, c.querySelector('.prompt-text').textContent]);")]


def http(method, url, token=None, cookie=None, data=None, headers=None, stream=False):
    """(status, body) of one request; HTTP errors are answers too. `stream`: an event stream
    stays open, so only its first line is read."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    if cookie:
        h["Cookie"] = cookie
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, (r.readline() if stream else r.read(4096))
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start(workdir, data_dir, cleanup, **kw):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=4)
    cleanup(rig.stop)
    agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}", **kw)
    cleanup(agent.stop)
    return rig, agent


def test_paired_page_shows_acknowledges_and_survives_a_restart_without_duplicates(workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir)
    rig, agent = start(workdir, data_dir, cleanup)
    agent.pair(browser, "1")

    first = wait_until(lambda: cards(browser), 60, "Anna's greeting on the paired page")
    assert [text for _, text in first] == ["Welkom terug, Anna"]

    # The agent goes away: the page says so and keeps the card; the agent comes back on the
    # same port and data directory: the page reconnects by itself with its pairing.
    assert agent.stop() == 0
    wait_until(lambda: browser.find_element(By.ID, "connection").get_attribute("data-state") == "closed", 20,
               "the page to show the lost connection")
    again = Agent(workdir, data_dir, radio=f"serial:{rig.pty}", port=agent.port, log_name="agent2.log")
    cleanup(again.stop)
    seen = []

    def reconnected_with_one_card():
        now = cards(browser)
        seen.append(now)
        state = browser.find_element(By.ID, "connection").get_attribute("data-state")
        return state == "open" and len(now) == 1 and now[0][0] != first[0][0] and now
    # The restarted agent greets Anna anew (its cool-downs live in memory): the old card went with
    # the snapshot, the new one arrives once.
    second = wait_until(reconnected_with_one_card, 60, "the page to reconnect and show the new greeting once")
    assert all(len(c) <= 1 for c in seen), seen
    assert len({text for _, text in second}) == 1

    # Enter on the focused card acknowledges it: the ledger records it, the card leaves.
    browser.find_element(By.CSS_SELECTOR, "#prompts article.prompt button.ack").send_keys(Keys.ENTER)
    wait_until(lambda: not cards(browser), 20, "the acknowledged prompt to leave the page")
    acks = wait_until(lambda: [e for e in ledger(data_dir) if e["kind"] == "acknowledgement"], 20,
                      "the acknowledgement in the ledger")
    assert [a["prompt"] for a in acks] == [second[0][0]]
    assert acks[0]["till"] == "1"
    recognitions = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert [r["prompt"] for r in recognitions] == [first[0][0], second[0][0]]
    assert welkom("audit", "verify", "--data", data_dir).returncode == 0


def test_escape_dismisses_and_every_prompt_has_its_own_ledger_entry(workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir, scopes="greeting,name,notes,offers",
               extra=("--note", "Liever geen Air Miles-vraag", "--tag", "coffee"))
    offer = ('[[offer]]\nid = "koffie"\ntext_nl = "2e koffie gratis, € 0"\ntext_en = "Second coffee free"\n'
             'tags = "coffee"\n')
    rig, agent = start(workdir, data_dir, cleanup, extra_toml=offer)
    agent.pair(browser, "1")
    shown = wait_until(lambda: len(cards(browser)) == 3 and cards(browser), 60, "greeting, note and offer")
    assert [text for _, text in shown] == ["Welkom terug, Anna", "Liever geen Air Miles-vraag", "2e koffie gratis, € 0"]
    entries = ledger(data_dir)
    recorded = {e["prompt"]: e["detail"] for e in entries if e["kind"] == "recognition"}
    assert {pid: recorded.get(pid) for pid, _ in shown} == {
        shown[0][0]: "prompt=greeting", shown[1][0]: "prompt=note", shown[2][0]: "prompt=offer"}

    # Escape dismisses the focused prompt (the first: focus lands on it), then the next.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_until(lambda: len(cards(browser)) == 2, 20, "the first prompt to be dismissed")
    dismissed = wait_until(lambda: [e for e in ledger(data_dir) if e["kind"] == "dismissal"], 20, "the dismissal entry")
    assert [d["prompt"] for d in dismissed] == [shown[0][0]]


def test_unpaired_requests_get_401_and_no_names(workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir)
    rig, agent = start(workdir, data_dir, cleanup)
    token = pair_token(agent.url, data_dir, "1", agent.config)
    # A prompt is up (the ledger says so) before the unpaired requests are made.
    wait_until(lambda: any(e["kind"] == "recognition" for e in ledger(data_dir)), 60, "Anna's recognition")
    status, body = http("GET", agent.url + "/till/1/events", token=token, stream=True)
    assert (status, body) == (200, b"retry: 2000\n")

    for method, path in [("GET", "/"), ("GET", "/till/1"), ("GET", "/till/1/events"), ("GET", "/till/2"),
                         ("POST", "/till/1/prompts/x/ack"), ("POST", "/till/1/prompts/x/dismiss")]:
        status, body = http(method, agent.url + path, data=b"" if method == "POST" else None)
        assert status == 401, (method, path, status)
        assert b"Anna" not in body and b"anna" not in body, (path, body)
        status, body = http(method, agent.url + path, token="not-a-token", data=b"" if method == "POST" else None)
        assert status == 401, (method, path, status)
    # A display paired with till 1 sees nothing of till 2.
    assert http("GET", agent.url + "/till/2/events", token=token, stream=True)[0] == 403
    # Health and metrics stay open, on their own listener: the till LAN sees neither.
    assert http("GET", agent.metrics_url + "/healthz")[0] == 200
    assert http("GET", agent.url + "/healthz")[0] == 404

    browser.get(agent.url + "/till/1")
    assert browser.find_element(By.ID, "not-paired")
    assert "anna" not in browser.page_source.lower()
    assert browser.find_elements(By.CSS_SELECTOR, "#prompts") == []


def test_revoked_display_is_cleared_and_refused(workdir, data_dir, browser, cleanup):
    enrol_anna(data_dir)
    rig, agent = start(workdir, data_dir, cleanup)
    agent.pair(browser, "1")
    wait_until(lambda: cards(browser), 60, "Anna's greeting")
    listed = welkom("till", "pairings", "--data", data_dir).stdout
    assert "1" in listed and listed.count("\n") == 2, listed  # header + one pairing
    welkom("till", "revoke", "--till", "1", "--data", data_dir)
    wait_until(lambda: browser.find_element(By.ID, "connection").get_attribute("data-state") == "unpaired", 30,
               "the revoked page to say it is not paired")
    assert cards(browser) == []
    assert "anna" not in browser.find_element(By.ID, "prompts").get_attribute("innerHTML").lower()
    assert welkom("till", "pairings", "--data", data_dir).stdout.strip() == "no paired displays"


def test_codes_are_one_time_and_wrong_codes_are_rate_limited(workdir, data_dir, cleanup):
    agent = Agent(workdir, data_dir, enabled=False)
    cleanup(agent.stop)

    def post(code):
        return http("POST", agent.url + "/pair", data=json.dumps({"code": code}).encode(),
                    headers={"Content-Type": "application/json", "Accept": "application/json"})
    code = pair_code(data_dir, "2", agent.config)
    status, body = post(code)
    assert status == 200 and json.loads(body)["till"] == "2"
    assert post(code)[0] == 401  # used up
    # Five wrong codes a minute, then 429 even for a right one.
    for wrong in ["00000000", "11111111", "22222222", "33333333"]:
        assert post(wrong)[0] == 401
    fresh = pair_code(data_dir, "1", agent.config)
    assert post(fresh)[0] == 429
    # An unknown till is refused by the CLI when it has the config.
    p = welkom("till", "pair", "--till", "9", "--data", data_dir, "--config", agent.config, check=False)
    assert p.returncode == 64 and "not a configured till" in p.stderr


def test_https_with_configured_certificate_files(workdir, data_dir, cleanup):
    import subprocess
    from conftest import insecure_tls
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    agent = Agent(workdir, data_dir, enabled=False, tls=(cert, key))
    cleanup(agent.stop)
    assert agent.url.startswith("https://")
    code = pair_code(data_dir, "1", agent.config)
    req = urllib.request.Request(agent.url + "/pair", data=f"code={code}".encode(), method="POST")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=insecure_tls()))
    try:
        opener.open(req, timeout=10)
        raise AssertionError("expected a 303 to the till page")
    except urllib.error.HTTPError as e:
        assert e.code == 303 and e.headers["Location"] == "/till/1"
        cookie = e.headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie
    with opener.open(urllib.request.Request(agent.url + "/till/1", headers={"Cookie": cookie.split(";")[0]}), timeout=10) as r:
        assert r.status == 200
    # Plain HTTP on the HTTPS port gets no page.
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{agent.port}/till/1", timeout=5)
        raise AssertionError("plain HTTP was served")
    except (urllib.error.URLError, ConnectionError, OSError) as e:
        assert not isinstance(e, urllib.error.HTTPError) or e.code != 200
