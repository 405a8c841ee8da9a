"""`welkom demo` — the README's first command — on its embedded defaults: greetings reach the
till pages in a real browser, the ledger verifies, and it stops by itself with exit 0."""

import re
import subprocess

import urllib.error
import urllib.request


from conftest import WELKOM, free_port, ledger, prompt_texts, wait_until, welkom


def test_demo_greets_at_the_till_pages_and_stops_cleanly(workdir, browser):
    port = free_port()
    data = workdir / "demo-data"
    out_path = workdir / "demo.out"
    with open(out_path, "w") as out_file:
        demo = subprocess.Popen([WELKOM, "demo", "--port", str(port), "--duration", "25", "--data", str(data)],
                                stdout=out_file, stderr=subprocess.PIPE, text=True)
    try:
        # The demo prints one pairing link per till; opening one pairs this browser and shows the till.
        links = wait_until(lambda: re.findall(r"(Kassa \d): (http://\S+/pair\?code=\d+)", out_path.read_text()), 30,
                           "the demo's pairing links")
        urls = dict(links)
        browser.get(urls["Kassa 1"])
        text = wait_until(lambda: prompt_texts(browser),
                          30, "a greeting on Kassa 1")
        assert text == ["Welkom terug, Anna"]
        browser.get(urls["Kassa 2"])
        wait_until(lambda: "Welcome back — regular customer" in prompt_texts(browser),
                   30, "Ben's nameless greeting on Kassa 2")
        # A browser without the demo's link is not shown any till.
        # /healthz is on the metrics listener, not the till pages' (issue 12).
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            raise AssertionError("/healthz is served on the till listener")
        except urllib.error.HTTPError as e:
            assert e.code == 404
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/till/1", timeout=5)
            raise AssertionError("an unpaired request was served the till page")
        except urllib.error.HTTPError as e:
            assert e.code == 401
            assert b"Anna" not in e.read()
        _, err = demo.communicate(timeout=60)
        out = out_path.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0, err
    assert f"till pages: http://127.0.0.1:{port}/" in out
    assert 'greeted Anna at till 1 (Kassa 1): "Welkom terug, Anna"' in out
    assert "greeted Chloé at till 2 (Kassa 2)" in out
    assert '"Liever niet naar Air Miles vragen"' in out  # Chloé's staff note (scope notes)
    assert '"Second coffee free (worth € 2.50)"' in out  # Ben's offer (scope offers, tag coffee)
    assert "sightings matched no consent and were dropped" in out
    assert "EAN-13 check digit" in out  # the misread barcode is reported, not matched
    kinds = [e["kind"] for e in ledger(data)]
    assert kinds.count("consent_given") == 3 and kinds.count("recognition") >= 3
    assert {e["customer"] for e in ledger(data) if e["kind"] == "recognition"} == {"demo-anna", "demo-ben", "demo-chloe"}
    assert welkom("audit", "verify", "--data", data).returncode == 0
