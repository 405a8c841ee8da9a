"""`welkom audit report` in a real browser: headless Chromium opens the self-contained HTML file,
the charts are there and drawn (bars with the right data), and a screenshot is not blank."""

import json

from conftest import ANNA_KEY, ledger_writer, welkom


def test_report_renders_its_charts_in_chromium(data_dir, workdir, browser):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting", "--beacon-key", ANNA_KEY)
    welkom("consent", "enroll", "--data", data_dir, "--customer", "bert", "--scopes", "greeting", "--card", "4006381333931")
    welkom("consent", "withdraw", "--data", data_dir, "--customer", "bert")
    ledger_writer(data_dir, count=40, writers=4)
    config = workdir / "welkom.toml"
    config.write_text(f'[data]\ndir = "{data_dir}"\n\n[ledger]\ncontroller = "Winkel B.V., Markt 1"\n')
    report = workdir / "report.html"
    out = welkom("audit", "report", "--data", data_dir, "--config", config, "--out", report).stdout
    assert "report written" in out
    html = report.read_text()
    assert "anna" not in html and "bert" not in html, "the report names nobody"

    browser.get(report.as_uri())
    assert browser.title == "Welkom privacy report"
    charts = {c.get_attribute("id"): c for c in browser.find_elements("css selector", "svg.chart")}
    assert set(charts) == {"chart-recognitions-by-scheme", "chart-recognitions-by-till", "chart-consents", "chart-retention"}
    for chart in charts.values():
        size = chart.size
        assert size["width"] > 300 and size["height"] > 150, size
    consent_bars = browser.find_elements("css selector", "#chart-consents rect.bar")
    given = [b for b in consent_bars if b.get_attribute("data-series") == "given"]
    withdrawn = [b for b in consent_bars if b.get_attribute("data-series") == "withdrawn or erased"]
    assert sum(int(b.get_attribute("data-value")) for b in given) == 2
    assert sum(int(b.get_attribute("data-value")) for b in withdrawn) == 1
    assert all(float(b.get_attribute("height")) > 0 for b in given + withdrawn)
    kept = browser.find_element("css selector", "#chart-retention rect.bar[data-series='kept']")
    assert int(kept.get_attribute("data-value")) == 43
    assert "Intact" in browser.find_element("id", "verdict").text
    record = browser.find_element("id", "processing-record")
    assert record.is_displayed()
    assert "Winkel B.V., Markt 1" in browser.page_source

    shot = workdir / "report.png"
    assert browser.save_screenshot(str(shot))
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000, "the screenshot looks blank"
    # The chart's pixels are there: screenshot just the consents chart and check it has colour.
    chart_png = charts["chart-consents"].screenshot_as_png
    assert len(chart_png) > 2_000
