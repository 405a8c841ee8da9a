"""`welkom replay` with till zones, and `radio.record` with several receivers (issue 4).

A walk is recorded on real parts — Bumble's controller → Tests/Rigs/h4_relay.py rewriting the RSSI
on a schedule → `welkom run` with zones and radio.record — and the capture replayed: with the
same zones the recognitions carry the till `run` greeted at (null before the customer stands in
a zone: replay prints every recognition, run prompts only once a zone is settled); without zones
every till is null, as before zones existed."""

import json

from conftest import ANNA_KEY, Agent, BumbleStore, free_port, ledger, wait_until, welkom
from test_zones_walk import ZONES, recognitions, relay

RECOGNITION_TOML = '[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n'


def replay(data_dir, config, *captures_and_options, check=True):
    p = welkom("replay", *captures_and_options, "--data", data_dir, "--config", config, "--format", "jsonl", check=check)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()], p


def enroll_anna(data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY)


def test_a_recorded_walk_replays_to_the_till_run_greeted_at_and_to_null_without_zones(workdir, data_dir, cleanup):
    enroll_anna(data_dir)
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=2, tcp_port=free_port())
    cleanup(rig.stop)
    # test_zones_walk's walk: 3 s at the door (no zone), 1 s passing till 1, then at till 2 with
    # a dip into till 1's range every fourth report.
    walk, port = relay(workdir, rig.tcp_port, "--rssi-schedule", "0:-90,3:-67,4:-52/-52/-52/-63")
    cleanup(walk.stop)
    capture = workdir / "walk.btsnoop"
    agent = Agent(workdir, data_dir, radio=f'tcp:127.0.0.1:{port}"\nrecord = "{capture}', extra_toml=ZONES)
    cleanup(agent.stop)
    wait_until(lambda: recognitions(data_dir), 60, "a greeting")
    seen = agent.counter("welkom_recognitions_total")
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= seen + 50, 60, "more of Anna's reports")
    assert agent.stop() == 0
    assert [(e["customer"], e["till"]) for e in recognitions(data_dir)] == [("anna", "2")]

    lines, p = replay(data_dir, agent.config, capture)
    assert len(lines) >= 50 and {tuple(sorted(line)) for line in lines} == {("customer", "rssi", "scheme", "till", "time")}
    assert {line["customer"] for line in lines} == {"anna"}
    tills = [line["till"] for line in lines]
    # At the door and passing till 1: recognised, in no zone yet. Then till 2, and it holds:
    # the dips to -63 never flicker it to till 1.
    first = tills.index("2")
    assert first > 0 and set(tills[:first]) == {None}, tills
    assert set(tills[first:]) == {"2"}, tills
    assert -90 in [line["rssi"] for line in lines[:first]]
    assert "2 zones" in p.stderr and f"{len(tills) - first} recognitions in a zone" in p.stderr, p.stderr

    # The same capture with the same config but no zones: the same recognitions, till null.
    no_zones = workdir / "no-zones.toml"
    no_zones.write_text(agent.config.read_text().replace(ZONES, ""))
    assert "[[zone]]" not in no_zones.read_text()
    plain, p = replay(data_dir, no_zones, capture)
    assert [line["till"] for line in plain] == [None] * len(lines)
    assert [(l["time"], l["rssi"]) for l in plain] == [(l["time"], l["rssi"]) for l in lines]
    assert "zones" not in p.stderr


def test_every_receiver_is_recorded_to_its_own_file_and_replays_together(workdir, data_dir, cleanup):
    """radio.record with a [[radio.receiver]]: each receiver's capture in its own file (the name
    before the extension); replaying both with the zones gives till 2, Anna's nearer receiver."""
    enroll_anna(data_dir)
    ports = []
    for name, rssi in (("one", "-82"), ("two", "-48")):
        d = workdir / name
        d.mkdir()
        rig = BumbleStore(d, enrolled_keys=[ANNA_KEY], strangers=1, tcp_port=free_port())
        cleanup(rig.stop)
        r, port = relay(d, rig.tcp_port, "--rssi-schedule", f"0:{rssi}")
        cleanup(r.stop)
        ports.append(port)
    zones = '\n[[zone]]\ntill = "1"\nreceiver = "till1"\nrssi_min = -75\n\n[[zone]]\ntill = "2"\nreceiver = "till2"\nrssi_min = -75\n'
    capture = workdir / "shop.btsnoop"
    radio = (f'tcp:127.0.0.1:{ports[0]}"\nname = "till1"\nrecord = "{capture}"\n\n[[radio.receiver]]\nname = "till2"\n'
             f'transport = "tcp:127.0.0.1:{ports[1]}')
    agent = Agent(workdir, data_dir, radio=radio, extra_toml=zones)
    cleanup(agent.stop)
    wait_until(lambda: recognitions(data_dir), 60, "a greeting")
    seen = agent.counter("welkom_recognitions_total")
    wait_until(lambda: agent.counter("welkom_recognitions_total") >= seen + 50, 60, "more reports from both receivers")
    assert agent.stop() == 0
    assert [(e["customer"], e["till"]) for e in recognitions(data_dir)] == [("anna", "2")]
    second = workdir / "shop.till2.btsnoop"
    # The start-up notice names both files, so neither is forgotten when deleting.
    notice = next(line for line in agent.process.output().splitlines() if "radio.record is set" in line)
    assert str(capture) in notice and str(second) in notice, notice
    assert capture.stat().st_size > 1000 and second.stat().st_size > 1000
    assert capture.stat().st_mode & 0o777 == 0o600 and second.stat().st_mode & 0o777 == 0o600

    # Both files: each replays as the receiver whose file it is; merged in time order.
    both, p = replay(data_dir, agent.config, capture, second)
    assert {line["rssi"] for line in both} == {-82, -48}
    times = [line["time"] for line in both]
    assert times == sorted(times)
    tills = [line["till"] for line in both]
    assert "2" in tills and "1" not in tills, tills
    assert set(tills[tills.index("2"):]) == {"2"}
    # Till 1's receiver alone hears Anna too faint for its zone: recognised, in no zone.
    alone, _ = replay(data_dir, agent.config, capture)
    assert alone and {line["till"] for line in alone} == {None} and {line["rssi"] for line in alone} == {-82}
    # Named by hand: the second file as till1's receiver puts Anna's strong signal in till 1's zone.
    swapped, _ = replay(data_dir, agent.config, second, "--receiver", "till1")
    assert "1" in [line["till"] for line in swapped] and "2" not in [line["till"] for line in swapped]
    # Two captures that would be one receiver are refused, with the fix.
    _, p = replay(data_dir, agent.config, capture, second, "--receiver", "till1", "--receiver", "till1", check=False)
    assert p.returncode == 64 and "both replay as receiver" in p.stderr and "--receiver" in p.stderr, p.stderr
    _, p = replay(data_dir, agent.config, capture, second, "--receiver", "till1", check=False)
    assert p.returncode == 64 and "one per capture" in p.stderr, p.stderr
