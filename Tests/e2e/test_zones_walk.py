"""Till zones on real parts (issue 4): Bumble's controller → Tests/Rigs/h4_relay.py, which rewrites
the RSSI of every advertising report on a schedule (Bumble itself always says -50) → `welkom run`
with two till zones → the ledger.

Why the relay: RSSI has to come through the same bytes a real controller sends, and one receiver
with a scripted RSSI is the smallest real setup that exercises smoothing, margins and dwell (a
second Bumble controller would give a second receiver but still no RSSI other than -50)."""

import subprocess

from conftest import ANNA_KEY, RIG_PYTHON, RIGS, Agent, BumbleStore, Process, free_port, ledger, wait_until, welkom

# One receiver near till 2: close (-60 and stronger) is till 2, a few metres further is till 1.
ZONES = """
[zones]
window_seconds = 2.0
dwell_seconds = 2.0

[[zone]]
till = "1"
rssi_min = -75
rssi_max = -61

[[zone]]
till = "2"
rssi_min = -60
"""


def relay(workdir, controller_port, *extra):
    port = free_port()
    p = Process([RIG_PYTHON, str(RIGS / "h4_relay.py"), "--listen", str(port), "--controller", str(controller_port), *extra],
                workdir / "relay.log")
    wait_until(lambda: "READY" in p.output() or not p.alive(), 30, "the relay to be READY")
    assert p.alive(), p.output()
    return p, port


def recognitions(data_dir):
    return [e for e in ledger(data_dir) if e["kind"] == "recognition"]


def test_a_walk_past_till_one_to_till_two_greets_once_at_till_two(workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting,name",
           "--name", "Anna", "--beacon-key", ANNA_KEY)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2, tcp_port=free_port())
    cleanup(rig.stop)
    # From the first report: 3 s at the door (no zone), 1 s passing till 1, then at till 2 with a
    # signal that dips into till 1's range every fourth report.
    walk, port = relay(workdir, rig.tcp_port, "--rssi-schedule", "0:-90,3:-67,4:-52/-52/-52/-63")
    cleanup(walk.stop)
    agent = Agent(workdir, data_dir, radio=f"tcp:127.0.0.1:{port}", extra_toml=ZONES)
    cleanup(agent.stop)

    wait_until(lambda: recognitions(data_dir), 60, "a greeting")
    # Keep listening while the customer stands at till 2 (hundreds more of Anna's reports):
    # nothing flickers to till 1.
    seen = agent.counter("welkom_recognitions_total")
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= seen + 100, 60, "more of Anna's reports")
    assert agent.stop() == 0
    greeted = recognitions(data_dir)
    assert [(e["customer"], e["till"]) for e in greeted] == [("anna", "2")], greeted
    # The relay really moved the signal (it rewrote reports), and the agent never greeted at till 1.
    assert "CONNECTED" in walk.output()


def test_without_zones_radio_prompts_go_to_the_first_till(workdir, data_dir, cleanup):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=0, tcp_port=free_port())
    cleanup(rig.stop)
    walk, port = relay(workdir, rig.tcp_port, "--rssi-schedule", "0:-52")
    cleanup(walk.stop)
    agent = Agent(workdir, data_dir, radio=f"tcp:127.0.0.1:{port}")
    cleanup(agent.stop)
    wait_until(lambda: recognitions(data_dir), 60, "a greeting")
    assert agent.stop() == 0
    assert [e["till"] for e in recognitions(data_dir)] == ["1"]


def test_config_check_reports_a_zone_for_an_unknown_till(workdir):
    cfg = workdir / "welkom.toml"
    cfg.write_text('[[till]]\nid = "1"\n\n[[zone]]\ntill = "9"\nrssi_min = -70\n\n[[zone]]\ntill = "1"\nreceiver = "nope"\n')
    p = welkom("config", "check", cfg, check=False)
    assert p.returncode == 78, p.stdout + p.stderr
    assert f"{cfg}:5: zone[1].till" in p.stderr or "zone[1].till" in p.stderr, p.stderr
    assert "not a configured till" in p.stderr
    assert "not a configured receiver" in p.stderr


def test_two_receivers_one_per_till_route_to_the_nearer_one(workdir, data_dir, cleanup):
    """[[radio.receiver]]: two controllers (two Bumble rigs, each behind a relay that sets its
    RSSI), zones by receiver. Anna is faint at till 1's receiver and strong at till 2's."""
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)
    ports = []
    for name, rssi in (("one", "-82"), ("two", "-48")):
        d = workdir / name
        d.mkdir()
        rig = BumbleStore(d, enrolled_keys=[ANNA_KEY], strangers=1, tcp_port=free_port())
        cleanup(rig.stop)
        r, port = relay(d, rig.tcp_port, "--rssi-schedule", f"0:{rssi}")
        cleanup(r.stop)
        ports.append(port)
    zones = f"""
[[zone]]
till = "1"
receiver = "till1"
rssi_min = -75

[[zone]]
till = "2"
receiver = "till2"
rssi_min = -75
"""
    # The [radio] receiver is named till1; the second comes as a [[radio.receiver]] (written right
    # after [radio]'s keys through the transport value, as conftest's Agent writes only transport).
    radio = (f'tcp:127.0.0.1:{ports[0]}"\nname = "till1"\n\n[[radio.receiver]]\nname = "till2"\n'
             f'transport = "tcp:127.0.0.1:{ports[1]}')
    agent = Agent(workdir, data_dir, radio=radio, extra_toml=zones)
    cleanup(agent.stop)
    wait_until(lambda: recognitions(data_dir), 60, "a greeting")
    seen = agent.counter("welkom_recognitions_total")
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= seen + 50, 60, "more reports from both receivers")
    assert agent.stop() == 0
    assert [(e["customer"], e["till"]) for e in recognitions(data_dir)] == [("anna", "2")]
