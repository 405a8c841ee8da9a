"""`welkom demo` — the README's first command — on its embedded defaults: greetings reach the
till pages in a real browser, the ledger verifies, and it stops by itself with exit 0."""

import subprocess

from selenium.webdriver.common.by import By

from conftest import WELKOM, free_port, ledger, wait_until, welkom


def test_demo_greets_at_the_till_pages_and_stops_cleanly(workdir, browser):
    port = free_port()
    data = workdir / "demo-data"
    demo = subprocess.Popen([WELKOM, "demo", "--port", str(port), "--duration", "25", "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: (data / "ledger.sqlite").exists(), 30, "the demo's data directory")
        browser.get(f"http://127.0.0.1:{port}/till/1")
        text = wait_until(lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#prompts .prompt-text")],
                          30, "a greeting on Kassa 1")
        assert text == ["Welkom terug, Anna"]
        browser.get(f"http://127.0.0.1:{port}/till/2")
        wait_until(lambda: any("Welcome back — regular customer" == e.text
                               for e in browser.find_elements(By.CSS_SELECTOR, "#prompts .prompt-text")),
                   30, "Ben's nameless greeting on Kassa 2")
        out, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 0, err
    assert f"till pages: http://127.0.0.1:{port}/" in out
    assert 'greeted Anna at till 1 (Kassa 1): "Welkom terug, Anna"' in out
    assert "greeted Chloé at till 2 (Kassa 2)" in out
    assert "sightings matched no consent and were dropped" in out
    assert "EAN-13 check digit" in out  # the misread barcode is reported, not matched
    kinds = [e["kind"] for e in ledger(data)]
    assert kinds.count("consent_given") == 3 and kinds.count("recognition") >= 3
    assert {e["customer"] for e in ledger(data) if e["kind"] == "recognition"} == {"demo-anna", "demo-ben", "demo-chloe"}
    assert welkom("audit", "verify", "--data", data).returncode == 0
