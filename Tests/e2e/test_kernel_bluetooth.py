"""The kernel path on a real Linux Bluetooth stack: a Debian kernel in qemu with a Bumble
controller behind /dev/vhci as hci0 (Tests/Rigs/kernel_vm, docs/test-rigs.md). A guest boot runs
a scenario of several steps and the tests below check one step each: two boots in all (the
channels and hotplug steps, then systemd as PID 1 with the shipped unit).

And, on this host (whose kernel has no Bluetooth), what the rig found: a scan that never got to
scan exits non-zero with the reason, and an agent whose radio stopped for good says so in its
log and in /healthz."""

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ANNA_KEY, RIGS, WELKOM, Process, free_port, wait_until, welkom

sys.path.insert(0, str(RIGS / "kernel_vm"))
from run_guest import run_guest  # noqa: E402

# A boot is ~25-30 s of one core before the scenario starts. The timeout is a ceiling against hangs
# only: on a loaded 2-core machine (load 11) the channels boot took 410 s of wall clock.
GUEST_TIMEOUT = 900


def boot(scenario, tmp_path_factory):
    keep = tmp_path_factory.mktemp(scenario)
    started = time.monotonic()
    result = run_guest(scenario, timeout=GUEST_TIMEOUT, keep=keep / "vm")
    print(f"\nguest {scenario}: {time.monotonic() - started:.1f} s\n{result.timings}")
    if result.exit_code != 0:
        raise AssertionError(f"the {scenario} scenario failed in the guest:\n{result.describe()}")
    return result


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    return boot("channels", tmp_path_factory)


@pytest.fixture(scope="module")
def hotplug(channels):
    # channels.sh ends with hotplug.sh's steps: one boot fewer (scenarios/hotplug.sh alone boots too).
    return channels


def step(result, name, suffix):
    return result.file(f"{name}.{suffix}")


def scan_counts(out: str) -> dict:
    # "scan: hci0, 4.1 s, 228 advertising reports (55 per second): wlk1 228, eid 0, ..."
    counts = {}
    for part in out.split(":", 2)[-1].split(";")[0].split(","):
        words = part.split()
        if len(words) == 2 and words[1].isdigit():
            counts[words[0]] = int(words[1])
    return counts


def assert_scanned_wlk1(result, name):
    out, err, code = step(result, name, "out"), step(result, name, "err"), step(result, name, "exit").strip()
    assert code == "0", f"{name}: exit {code}\n{out}\n{err}\n{result.describe()}"
    assert scan_counts(out).get("wlk1", 0) > 0, f"{name}: no WLK1 reports\n{out}\n{err}"
    return out


def ledger_recognitions(result, name):
    entries = [json.loads(line) for line in step(result, name, "ledger.jsonl").splitlines() if line.strip()]
    return [e for e in entries if e["kind"] == "recognition"]


def assert_agent_recognised_anna(result, name, mode_in_healthz=None):
    log = step(result, name, "log")
    recognitions = ledger_recognitions(result, name)
    assert recognitions, f"{name}: no recognition in the ledger\n{step(result, name, 'ledger.err')}\n{log[-4000:]}"
    assert {r["customer"] for r in recognitions} == {"anna"}, recognitions
    assert recognitions[0]["scheme"] == "wlk1"
    assert int(step(result, name, "recognitions").strip() or 0) >= 1
    healthz = step(result, name, "healthz").splitlines()
    assert healthz[0] == "200" and healthz[1] == "ok", healthz
    assert any("scanning" in line for line in healthz), healthz
    if mode_in_healthz:
        assert any(mode_in_healthz in line for line in healthz), healthz
    assert step(result, name, "exit").strip() == "0", log[-4000:]
    return log


# ------------------------------------------------------------------------------ channels (one boot)

def test_scan_on_a_powered_off_adapter_fails_and_says_how_to_bring_it_up(channels):
    out, err = step(channels, "scan-down", "out"), step(channels, "scan-down", "err")
    assert step(channels, "scan-down", "exit").strip() == "69", out + err
    assert "adapter is down" in err and "power on" in err and "hciconfig hci0 up" in err, err
    assert "never scanned" in err, err


def test_raw_socket_beside_bluetoothd_scans_and_recognises(channels):
    assert_scanned_wlk1(channels, "scan-raw")
    log = assert_agent_recognised_anna(channels, "run-raw")
    assert "radio: scanning" in log


def test_without_capabilities_the_message_names_setcap_and_the_units_capabilities(channels):
    for name, capability in (("scan-nocaps", "CAP_NET_RAW"), ("scan-nocaps-user", "CAP_NET_ADMIN")):
        out, err = step(channels, name, "out"), step(channels, name, "err")
        assert step(channels, name, "exit").strip() == "69", f"{name}\n{out}\n{err}"
        assert "setcap cap_net_raw,cap_net_admin+ep" in err and "AmbientCapabilities=" in err, f"{name}\n{err}"
        assert capability in err, f"{name}\n{err}"
    # The agent carries on without its radio, and says so: log and /healthz.
    log = step(channels, "run-nocaps", "log")
    assert "setcap" in log and "runs without its radio" in log, log[-4000:]
    healthz = step(channels, "run-nocaps", "healthz").splitlines()
    assert healthz[0] == "503" and healthz[1] == "unhealthy", healthz
    assert any("stopped" in line and "CAP_NET_RAW" in line for line in healthz), healthz


def test_user_channel_scans_and_recognises(channels):
    assert_scanned_wlk1(channels, "scan-user")
    assert_agent_recognised_anna(channels, "run-user")


def test_raw_then_user_takes_the_user_channel_on_a_downed_adapter(channels):
    assert_scanned_wlk1(channels, "scan-rtu")
    assert_agent_recognised_anna(channels, "run-rtu")


# ------------------------------------------------------------------------------- hotplug (one boot)

def test_scan_without_the_adapter_says_there_is_none(hotplug):
    out, err = step(hotplug, "scan-absent", "out"), step(hotplug, "scan-absent", "err")
    assert step(hotplug, "scan-absent", "exit").strip() == "69", out + err
    assert "no Bluetooth adapter" in err, err


def test_adapter_absent_at_start_then_plugged_is_used(hotplug):
    absent = hotplug.file("absent.healthz").splitlines()
    # Waiting for an adapter that may come is not a failure: 200, saying it is connecting.
    assert absent[0] == "200" and any("connecting" in line for line in absent), absent
    assert int(hotplug.file("absent.recognitions").strip() or 0) == 0
    assert int(hotplug.file("plugged.recognitions").strip() or 0) >= 1, hotplug.file("run-hotplug.log")[-4000:]
    plugged = hotplug.file("plugged.healthz").splitlines()
    assert plugged[0] == "200" and any("scanning" in line for line in plugged), plugged
    recognitions = ledger_recognitions(hotplug, "run-hotplug")
    assert recognitions and {r["customer"] for r in recognitions} == {"anna"}, recognitions


def test_adapter_vanishing_and_returning_the_agent_recognises_again(hotplug):
    log = hotplug.file("run-hotplug.log")
    before = int(hotplug.file("unplugged.recognitions").strip() or 0)
    after = int(hotplug.file("replugged.recognitions").strip() or 0)
    assert after > before, f"{before} -> {after}\n{log[-4000:]}"
    unplugged = hotplug.file("unplugged.healthz").splitlines()
    assert unplugged[0] == "200" and any("connecting" in line for line in unplugged), unplugged
    replugged = hotplug.file("replugged.healthz").splitlines()
    assert replugged[0] == "200" and any("scanning" in line for line in replugged), replugged
    assert log.count("radio: scanning") >= 2, log[-4000:]
    assert hotplug.file("run-hotplug.exit").strip() == "0"


# ------------------------------------------------------------------------------ on this host

def test_scan_that_never_got_to_scan_exits_69_with_the_reason():
    # Nothing listens on the port: every open is refused until the time is up.
    port = free_port()
    p = welkom("scan", "--hci", f"tcp:127.0.0.1:{port}", "--seconds", "2", check=False)
    assert p.returncode == 69, p.stdout + p.stderr
    assert "never scanned" in p.stderr and "refused" in p.stderr.lower(), p.stderr
    assert "0 advertising reports" in p.stdout


def healthz(*ports):
    """/healthz's status and body from the first of `ports` that serves it."""
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            if e.code != 404:
                return e.code, e.read().decode()
        except OSError:
            pass
    return None


def metrics_listener(workdir, config_text):
    """`[metrics] listen` on a free port where the binary serves /healthz there, else nothing
    (then /healthz is on the till pages' port): the port, and the config's extra text."""
    port = free_port()
    extra = f'\n[metrics]\nlisten = "127.0.0.1:{port}"\n'
    probe = workdir / "probe.toml"
    probe.write_text(config_text + extra)
    check = welkom("config", "check", probe, check=False)
    if check.returncode == 0:
        return port, extra, ""
    return None, "", check.stderr


def test_run_on_a_kernel_without_bluetooth_says_the_store_runs_without_its_radio(workdir, data_dir, cleanup):
    port = free_port()
    config = workdir / "welkom.toml"
    text = (f'[data]\ndir = "{data_dir}"\n\n[radio]\ntransport = "hci0"\n\n'
            f'[[till]]\nid = "1"\nname = "Kassa 1"\n\n[till_display]\nlisten = "127.0.0.1:{port}"\n')
    metrics_port, extra, refused = metrics_listener(workdir, text)
    config.write_text(text + extra)
    ports = [p for p in (metrics_port, port) if p]
    agent = Process([WELKOM, "run", "--config", str(config)], workdir / "agent.log")
    cleanup(agent.stop)
    try:
        answer = wait_until(lambda: (h := healthz(*ports)) and h[0] == 503 and h or not agent.alive(), 60,
                            "/healthz to answer 503")
    except AssertionError as e:
        raise AssertionError(f"{e}\nports {ports}; [metrics] refused: {refused}\n{agent.output()[-4000:]}")
    assert agent.alive(), agent.output()
    status, body = answer
    lines = body.splitlines()
    assert lines[0] == "unhealthy", body
    assert any(line.startswith("radio(hci0): stopped:") and "no Bluetooth support" in line for line in lines), body
    assert agent.alive(), agent.output()  # the tills still work: the agent carries on
    assert "runs without its radio" in agent.output(), agent.output()
    assert agent.stop() == 0


def test_healthz_stays_200_ok_when_all_is_well(workdir, data_dir, cleanup):
    from conftest import Agent
    agent = Agent(workdir, data_dir, radio="")
    cleanup(agent.stop)
    status, body = healthz(*[p for p in (getattr(agent, "metrics_port", None), agent.port) if p])
    assert status == 200 and body.splitlines()[0] == "ok", body


# ------------------------------------------------------------------- systemd as PID 1 (one boot)

@pytest.fixture(scope="module")
def systemd_unit(tmp_path_factory):
    keep = tmp_path_factory.mktemp("systemd")
    env = {}
    deb = os.environ.get("WELKOM_DEB", "")
    if deb and Path(deb).exists():
        env["WELKOM_DEB"] = deb
    started = time.monotonic()
    result = run_guest("systemd_unit", env=env, timeout=GUEST_TIMEOUT, keep=keep / "vm", init="/lib/systemd/systemd")
    print(f"\nguest systemd_unit: {time.monotonic() - started:.1f} s\n{result.timings}")
    if result.exit_code != 0:
        raise AssertionError(f"the systemd_unit scenario failed in the guest:\n{result.describe()}")
    return result


def test_the_shipped_unit_sandboxed_under_systemd_recognises_through_hci0(systemd_unit):
    r = systemd_unit
    log = r.file("unit.log")
    recognitions = ledger_recognitions(r, "unit")
    assert recognitions and {e["customer"] for e in recognitions} == {"anna"}, \
        f"{r.file('install.log')}\n{r.file('unit.show')}\n{log[-4000:]}"
    healthz = r.file("unit.healthz").splitlines()
    assert healthz[:2] == ["200", "ok"] and any("scanning" in line for line in healthz), healthz
    show = r.file("unit.show")
    assert "ActiveState=active" in show and "User=welkom" in show, show
    proc = r.file("unit.proc")
    # As shipped: not root, the two capabilities and nothing else, no new privileges, seccomp on.
    assert "NoNewPrivs:\t1" in proc and "Seccomp:\t2" in proc, proc
    amb = next(line for line in proc.splitlines() if line.startswith("CapAmb"))
    assert int(amb.split()[1], 16) == (1 << 12) | (1 << 13), proc  # CAP_NET_ADMIN, CAP_NET_RAW
    assert "ExecMainStatus=0" in r.file("unit.stopped"), r.file("unit.stopped") + log[-2000:]
