"""`systemctl reload welkom` is SIGHUP: the agent re-reads its config and applies it without a
restart. A till page's event stream stays open on the same connection, a customer greeted before
the reload is not greeted again (cool-downs kept), the new offer text and till name show, the
card reader whose config did not change keeps running; a config that fails the check is refused
with FILE:LINE and the running one kept."""

import json
import signal
import threading
import time
import urllib.request

import conftest
from conftest import Agent, pair_token, wait_until, welkom
from test_cards import ScannerLine

ANNA_CARD = "4006381333931"
BEN_CARD = "8712345678906"
CHLOE_CARD = "8712345678913"

OFFER = '[[offer]]\nid = "drink"\ntext_en = "{text}"\n'


class EventStream:
    """One SSE connection to /till/1/events, read in a thread: every prompt's text in order, and
    whether the connection ended."""

    def __init__(self, url, token):
        req = urllib.request.Request(url + "/till/1/events", headers={"Authorization": f"Bearer {token}"})
        self.response = urllib.request.urlopen(req, timeout=300)
        self.texts = []
        self.lines = 0
        self.closed = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            while True:
                raw = self.response.readline()
                if not raw:
                    break
                with self.lock:
                    self.lines += 1
                    if raw.startswith(b"data:"):
                        data = json.loads(raw[5:])
                        if isinstance(data, dict) and "text" in data:
                            self.texts.append(data["text"])
        except OSError:
            pass
        with self.lock:
            self.closed = True

    def seen(self):
        with self.lock:
            return list(self.texts)

    def close(self):
        self.response.close()


def write_config(agent: Agent, reader: str, offer_text: str, till1_name: str, broken=""):
    # Agent wrote the test's config once; a reload test rewrites it as an admin would.
    text = agent.config.read_text()
    head = text.split("[[till]]")[0]
    agent.config.write_text(
        head + f'[[till]]\nid = "1"\nname = "{till1_name}"\n\n[[till]]\nid = "2"\nname = "Kassa 2"\n\n'
        f'[till_display]\nlisten = "127.0.0.1:{agent.port}"\n\n'
        f'[policy]\ngreeting_cooldown_minutes = 30\n{broken}\n\n{reader}\n{OFFER.format(text=offer_text)}\n')


def till_page(agent, token) -> str:
    req = urllib.request.Request(agent.url + "/till/1", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


def test_sighup_reloads_offers_and_tills_keeping_streams_cooldowns_and_readers(workdir, data_dir, cleanup):
    data_dir.chmod(0o700)  # a data directory in /tmp must be private
    for customer, card in (("anna", ANNA_CARD), ("ben", BEN_CARD), ("chloe", CHLOE_CARD)):
        welkom("consent", "enroll", "--data", data_dir, "--customer", customer, "--scopes", "greeting,offers",
               "--locale", "en", "--card", card)
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "1"\n'
    agent = Agent(workdir, data_dir, radio="", readers_toml=reader,
                  extra_toml=OFFER.format(text="Coffee for one euro"))
    cleanup(agent.stop)
    wait_until(lambda: "card reader open" in agent.process.output(), 30, "the agent to open the scanner")
    token = pair_token(agent.url, data_dir, "1", agent.config)
    stream = EventStream(agent.url, token)
    cleanup(stream.close)
    wait_until(lambda: stream.lines > 0, 20, "the till stream's first event")

    scanner.send(ANNA_CARD)
    wait_until(lambda: "Coffee for one euro" in stream.seen(), 30, "Anna's offer before the reload")
    before = len(stream.seen())

    write_config(agent, reader, "Tea for two euros", "Kassa Een")
    started = time.monotonic()
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reloaded" in agent.process.output(), 30, "the reload")
    print(f"reload: {time.monotonic() - started:.2f} s")
    assert agent.process.alive()
    log = agent.process.output()
    assert log.count("card reader open") == 1, "the reader's config did not change: it keeps running\n" + log

    # Anna again right after the reload: within her cool-down, so nothing; Ben: greeted, with the new text.
    scanner.send(ANNA_CARD)
    scanner.send(BEN_CARD)
    wait_until(lambda: "Tea for two euros" in stream.seen(), 30, "Ben's offer with the new text, on the same stream")
    after = stream.seen()[before:]
    assert not stream.closed, "the till stream stayed open through the reload"
    assert "Coffee for one euro" not in after, f"Anna greeted again after the reload, or the old text: {after}"
    assert len(after) == 2, f"Ben's greeting and offer only: {after}"
    recognitions = [e for e in conftest.ledger(data_dir) if e["kind"] == "recognition"]
    assert len(recognitions) == 4, "two prompts for Anna before the reload, two for Ben after"
    assert "Kassa Een" in till_page(agent, token), "the till's new name"

    # A config that fails the check: refused with FILE:LINE, the running config kept.
    write_config(agent, reader, "Soup for free", "Kassa Broken", broken="greeting_cooldown_minutes_typo = 5")
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reload refused; the running config is kept" in agent.process.output(), 30,
               "the refusal of the broken config")
    log = agent.process.output()
    bad_line = agent.config.read_text().splitlines().index("greeting_cooldown_minutes_typo = 5") + 1
    assert f"{agent.config}:{bad_line}:" in log, log
    assert agent.process.alive() and agent.healthy()
    scanner.send(CHLOE_CARD)
    wait_until(lambda: stream.seen().count("Tea for two euros") == 2, 30, "Chloé's offer with the running config's text")
    assert "Soup for free" not in stream.seen()
    assert "Kassa Een" in till_page(agent, token)
    assert not stream.closed
    assert agent.stop() == 0


def test_sighup_turns_recognition_on_and_reopens_only_the_reader_whose_till_changed(workdir, data_dir, cleanup):
    data_dir.chmod(0o700)
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--locale", "en", "--card", ANNA_CARD)
    scanners = []
    for name in ("a", "b"):
        (workdir / name).mkdir()
        scanners.append(ScannerLine(workdir / name))
        cleanup(scanners[-1].stop)
    readers = lambda till_b: "".join(
        f'[[reader]]\nkind = "serial"\npath = "{s.device}"\ntill = "{till}"\n\n'
        for s, till in zip(scanners, ("1", till_b)))
    agent = Agent(workdir, data_dir, radio="", enabled=False, readers_toml=readers("1"))
    cleanup(agent.stop)
    wait_until(lambda: agent.process.output().count("card reader open") == 2, 30, "both scanners open")
    scanners[1].send(ANNA_CARD)
    wait_until(lambda: agent.counter("welkom_card_codes_total") >= 1, 30, "the scan to be read")
    assert [e for e in conftest.ledger(data_dir) if e["kind"] == "recognition"] == [], "recognition is off"

    # Recognition on, the second reader moved to till 2; the first reader's settings are unchanged.
    text = agent.config.read_text().replace(readers("1"), readers("2"))
    agent.config.write_text(text.replace("[radio]", '[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n\n[radio]'))
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reloaded" in agent.process.output(), 30, "the reload")
    wait_until(lambda: agent.process.output().count("card reader open") == 3, 30, "the moved reader to reopen")
    log = agent.process.output()
    assert "sources_restarted=1" in log and "sources_stopped=1" in log, log
    assert 'msg="consents loaded" customers=1' in log, log

    scanners[1].send(ANNA_CARD)
    wait_until(lambda: [e for e in conftest.ledger(data_dir) if e["kind"] == "recognition"], 30, "Anna recognised")
    assert [e["till"] for e in conftest.ledger(data_dir) if e["kind"] == "recognition"] == ["2"]
    assert agent.stop() == 0


def healthz(agent) -> tuple:
    try:
        with urllib.request.urlopen(agent.metrics_url + "/healthz", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_sighup_leaves_healthz_and_metrics_describing_the_sources_running_now(workdir, data_dir, cleanup):
    import struct
    data_dir.chmod(0o700)
    # A radio replaying a capture that is damaged 10 s in: the radio stops for good there.
    capture = workdir / "damaged.btsnoop"
    event = bytes.fromhex("043e0c020100010102030405c600c9")
    now = int(time.time() * 1_000_000) + 0x00DCDDB30F2F8000
    # The damaged header is read once the record before it, 10 s in, has been played.
    capture.write_bytes(b"btsnoop\0" + struct.pack(">II", 1, 1002)
                        + struct.pack(">IIIIq", len(event), len(event), 3, 0, now) + event
                        + struct.pack(">IIIIq", len(event), len(event), 3, 0, now + 10_000_000) + event
                        + struct.pack(">IIIIq", 100_000, 100_000, 3, 0, now + 10_000_000))
    scanners = []
    for name in ("a", "b"):
        (workdir / name).mkdir()
        scanners.append(ScannerLine(workdir / name))
        cleanup(scanners[-1].stop)
    reader = lambda s: f'[[reader]]\nkind = "serial"\npath = "{s.device}"\ntill = "1"\n'
    agent = Agent(workdir, data_dir, radio=f"btsnoop:{capture}", enabled=False, readers_toml=reader(scanners[0]))
    cleanup(agent.stop)
    wait_until(lambda: healthz(agent)[0] == 503, 60, "the radio to stop at the damaged record")
    assert f"radio(btsnoop:{capture}): stopped" in healthz(agent)[1]
    wait_until(lambda: "card reader open" in agent.process.output(), 30, "reader a to open")
    scanners[0].send(ANNA_CARD)
    wait_until(lambda: agent.counter("welkom_card_codes_total") == 1, 30, "reader a's scan")

    # No radio any more, and reader b instead of reader a.
    text = agent.config.read_text().replace(f'transport = "btsnoop:{capture}"', 'transport = ""')
    agent.config.write_text(text.replace(reader(scanners[0]), reader(scanners[1])))
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reloaded" in agent.process.output(), 30, "the reload")
    assert "sources_restarted=1" in agent.process.output() and "sources_stopped=2" in agent.process.output()
    wait_until(lambda: healthz(agent)[0] == 200, 30, "/healthz to describe the sources running now")
    status, body = healthz(agent)
    assert f"reader(serial {scanners[1].device}, till 1)" in body, body
    assert "radio(" not in body and str(scanners[0].device) not in body, body

    wait_until(lambda: agent.process.output().count("card reader open") == 2, 30, "reader b to open")
    scanners[1].send(BEN_CARD)
    # Reader a's scan is kept, reader b's is counted: the counter goes on from 1 to 2.
    wait_until(lambda: agent.counter("welkom_card_codes_total") == 2, 30, "reader b's scan in /metrics")
    assert agent.counter("welkom_card_codes_total", result="loyalty") == 2
    assert agent.stop() == 0


def test_sighup_rereads_the_file_welkom_config_names(workdir, data_dir, cleanup):
    """`welkom run` without --config reads $WELKOM_CONFIG (the unit's drop-in may set it); a
    reload must read that file again, not /etc/welkom/welkom.toml."""
    import os
    data_dir.chmod(0o700)
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    reader = f'[[reader]]\nkind = "serial"\npath = "{scanner.device}"\ntill = "1"\n'
    made = Agent(workdir, data_dir, readers_toml=reader, extra_toml=OFFER.format(text="Coffee"))
    made.stop()  # only its config: the agent under test is started with WELKOM_CONFIG instead
    config = workdir / "elsewhere.toml"
    config.write_text(made.config.read_text())
    made.config.unlink()
    agent = made
    agent.config = config
    agent.process = conftest.Process([conftest.WELKOM, "run"], workdir / "env-agent.log",
                                     env={**os.environ, "WELKOM_CONFIG": str(config)})
    cleanup(agent.stop)
    wait_until(lambda: agent.healthy() or not agent.process.alive(), 60, "the agent started from $WELKOM_CONFIG")
    assert agent.process.alive(), agent.process.output()
    assert f"from={config}" in agent.process.output()

    write_config(agent, reader, "Tea", "Kassa Een")
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reloaded" in agent.process.output(), 30, "the reload")
    log = agent.process.output()
    assert f"config={config}" in log and "changed=till,offer" in log, log

    write_config(agent, reader, "Soup", "Kassa Broken", broken="greeting_cooldown_minutes_typo = 5")
    agent.process.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "config reload refused; the running config is kept" in agent.process.output(), 30, "the refusal")
    bad_line = config.read_text().splitlines().index("greeting_cooldown_minutes_typo = 5") + 1
    assert f"{config}:{bad_line}:" in agent.process.output()
    assert agent.stop() == 0
