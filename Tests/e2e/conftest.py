"""The one harness for whole-agent tests: it starts the real peers (docs/test-rigs.md) the same
way for every test — Google's Bumble controller on a pty, the `welkom` binary as a process,
headless Chromium through Selenium — and fails loudly when one cannot start."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RIGS = ROOT / "Tests" / "Rigs"
WELKOM = os.environ.get("WELKOM_BIN", str(ROOT / ".build" / "debug" / "welkom"))
# The crash tests' writer (Tests/Tools/LedgerWriter): appends synthetic entries; not in the shipped binary.
LEDGER_WRITER = os.environ.get("WELKOM_LEDGER_WRITER", str(ROOT / ".build" / "debug" / "welkom-ledger-writer"))
RIG_PYTHON = os.environ.get("WELKOM_RIG_PYTHON", sys.executable)

ANNA_KEY = "00112233445566778899aabbccddeeff"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    """Polls for a condition; the timeout is a ceiling against hangs, not part of what is tested."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def prompt_texts(browser) -> list:
    """The text of each prompt on a till page, read in one script call: reading elements one by
    one races the page, which removes an acknowledged or expired card at any moment
    (Selenium's StaleElementReferenceException)."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#prompts .prompt .prompt-text'))"
        ".map(e => e.textContent.trim());")


def welkom(*args, check=True, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run([WELKOM, *map(str, args)], capture_output=True, text=True, timeout=120, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"welkom {' '.join(map(str, args))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def ledger_writer(data_dir, count: int, writers: int) -> subprocess.CompletedProcess:
    """Appends `count` synthetic acknowledgements from `writers` concurrent writers."""
    p = subprocess.run([LEDGER_WRITER, "--data", str(data_dir), "--count", str(count), "--writers", str(writers)],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"welkom-ledger-writer exited {p.returncode}\n{p.stderr}")
    return p


def ledger(data_dir) -> list:
    out = welkom("audit", "export", "--data", data_dir, "--format", "jsonl").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class Process:
    """A child process whose output is collected in a file, stopped with SIGTERM."""

    def __init__(self, argv, log_path: Path, env=None):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout=15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.proc.args[0]} did not stop within {timeout}s of SIGTERM")
        self.log.close()
        return self.proc.returncode


class BumbleStore:
    """Tests/Rigs/bumble_store.py: a Bumble controller on a pty with WLK1 advertisers."""

    def __init__(self, workdir: Path, enrolled_keys=(), strangers=5, legacy=False, interval_ms=100, tcp_port=None):
        # With tcp_port the controller listens on 127.0.0.1:tcp_port instead of a pty (self.pty is then None).
        self.pty = None if tcp_port else workdir / "controller.pty"
        self.tcp_port = tcp_port
        self.tokens_file = workdir / "stranger-tokens.txt"
        where = ["--tcp", str(tcp_port)] if tcp_port else ["--pty", str(self.pty)]
        argv = [RIG_PYTHON, str(RIGS / "bumble_store.py"), *where, "--strangers", str(strangers),
                "--strangers-tokens-file", str(self.tokens_file), "--interval-ms", str(interval_ms)]
        for k in enrolled_keys:
            argv += ["--enrolled-key", k]
        if legacy:
            argv.append("--legacy-reports")
        self.process = Process(argv, workdir / "bumble.log")
        wait_until(lambda: "READY" in self.process.output() or not self.process.alive(), 60, "the Bumble rig to be READY")
        if not self.process.alive():
            raise AssertionError("the Bumble rig did not start:\n" + self.process.output())

    def stranger_tokens(self) -> set:
        return {line.strip().lower() for line in self.tokens_file.read_text().splitlines() if line.strip()}

    def stop(self):
        self.process.stop()


def insecure_tls():
    """Tests' own self-signed certificates: encryption checked, the certificate not."""
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pair_code(data_dir, till="1", config=None) -> str:
    """A one-time pairing code from `welkom till pair` (its first line), digits only."""
    args = ["till", "pair", "--till", till, "--data", data_dir] + (["--config", config] if config else [])
    first = welkom(*args).stdout.splitlines()[0]
    return "".join(ch for ch in first if ch.isdigit())


def pair_browser(browser, base_url, data_dir, till="1", config=None):
    """Pairs a browser as staff would: a code from the CLI, entered at /pair (here through
    the ?code= link, which fills in the form and sends it). Ends on the till's page, connected."""
    code = pair_code(data_dir, till, config)
    browser.get(f"{base_url}/pair?code={code}")
    wait_until(lambda: browser.current_url.rstrip("/").endswith(f"/till/{till}"), 20, "pairing to open the till page")
    wait_until(lambda: browser.find_element("id", "connection").get_attribute("data-state") == "open", 20,
               "the till page's live connection")


def pair_token(base_url, data_dir, till="1", config=None) -> str:
    """Pairs a script (no browser): the code exchanged for a bearer token."""
    code = pair_code(data_dir, till, config)
    req = urllib.request.Request(base_url + "/pair", data=json.dumps({"code": code}).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=10, context=insecure_tls()) as r:
        return json.loads(r.read())["token"]


class Agent:
    """`welkom run` with a config written for the test."""

    def __init__(self, workdir: Path, data_dir: Path, radio: str = "", enabled=True, extra_toml="",
                 readers_toml="", cooldown_minutes=30, port=None, log_name="agent.log", tls=None,
                 till_display_toml="", launcher=(), policy_toml=""):
        # tls: (certificate path, key path) to serve the till pages over HTTPS.
        # till_display_toml: more [till_display] keys; launcher: argv put before welkom's (e.g. prlimit).
        self.port = port or free_port()
        # /metrics and /healthz have a listener of their own, never the till pages'.
        self.metrics_port = free_port()
        self.tls = tls
        self.data_dir = data_dir
        self.config = workdir / "welkom.toml"
        recognition = '[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n' if enabled else ""
        self.config.write_text(
            f'[data]\ndir = "{data_dir}"\n\n{recognition}\n'
            f'[radio]\ntransport = "{radio}"\n\n'
            f'[[till]]\nid = "1"\nname = "Kassa 1"\n\n[[till]]\nid = "2"\nname = "Kassa 2"\n\n'
            f'[till_display]\nlisten = "127.0.0.1:{self.port}"\n'
            + (f'tls_certificate = "{tls[0]}"\ntls_key = "{tls[1]}"\n' if tls else '') + till_display_toml + '\n' +
            f'[policy]\ngreeting_cooldown_minutes = {cooldown_minutes}\n{policy_toml}\n'
            f'{readers_toml}\n{extra_toml}\n\n[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n')
        self.process = Process([*launcher, WELKOM, "run", "--config", str(self.config)], workdir / log_name)
        wait_until(lambda: self.healthy() or not self.process.alive(), 60, "the agent's HTTP server")
        if not self.process.alive():
            raise AssertionError("the agent exited at start:\n" + self.process.output())

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.metrics_url + "/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def pair(self, browser, till="1"):
        """Pairs `browser` with `till` and leaves it on that till's page, connected."""
        pair_browser(browser, self.url, self.data_dir, till, self.config)

    def metrics(self) -> str:
        with urllib.request.urlopen(self.metrics_url + "/metrics", timeout=5) as r:
            return r.read().decode()

    def counter(self, name: str, **labels) -> float:
        want = ",".join(f'{k}="{v}"' for k, v in labels.items())
        total = 0.0
        for line in self.metrics().splitlines():
            if line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            metric, _, rest = key.partition("{")
            if metric == name and (not want or want in rest):
                total += float(value)
        return total

    def stop(self) -> int:
        return self.process.stop()


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="welkom-e2e-") as d:
        yield Path(d)


@pytest.fixture
def data_dir(workdir):
    d = workdir / "data"
    d.mkdir()
    return d


@pytest.fixture
def cleanup():
    stack = []
    yield stack.append
    for stop in reversed(stack):
        try:
            stop()
        except Exception as e:  # keep stopping the rest; the test already has its verdict
            print(f"cleanup: {e}", file=sys.stderr)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()
