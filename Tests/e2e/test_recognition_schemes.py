"""Issue 3 on the whole agent: a fob with an RPA from an enrolled IRK and an Eddystone-EID beacon
are recognised by the running agent (Bumble advertisers, Tests/Rigs/bumble_beacons.py), while
strangers' RPAs and EIDs leave no trace; and the CLI carries every identifier docs/contract.md lists."""

import json
import time
from pathlib import Path

from conftest import RIG_PYTHON, RIGS, Agent, Process, ledger, wait_until, welkom

RIA_IRK = "ec0234a357c8ad05341010a60a397d9b"  # the Core spec's sample IRK
EVE_EID_KEY = "000102030405060708090a0b0c0d0e0f"  # the EID spec vectors' key


def all_bytes_under(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


class BumbleBeacons:
    """Tests/Rigs/bumble_beacons.py on a pty."""

    def __init__(self, workdir: Path, args):
        self.pty = workdir / "beacons.pty"
        self.identifiers_file = workdir / "stranger-identifiers.txt"
        argv = [RIG_PYTHON, str(RIGS / "bumble_beacons.py"), "--pty", str(self.pty),
                "--identifiers-file", str(self.identifiers_file), *args]
        self.process = Process(argv, workdir / "beacons.log")
        wait_until(lambda: "READY" in self.process.output() or not self.process.alive(), 60, "the beacon rig to be READY")
        if not self.process.alive():
            raise AssertionError("the beacon rig did not start:\n" + self.process.output())

    def stranger_identifiers(self) -> list:
        return [line.strip() for line in self.identifiers_file.read_text().splitlines() if line.strip()]

    def stop(self):
        self.process.stop()


def test_rpa_and_eid_are_recognised_and_strangers_leave_no_trace(workdir, data_dir, cleanup):
    # K = 4: the EID changes every 16 s, so the agent's per-beacon tables roll during the test.
    epoch = int(time.time()) - 100_000
    welkom("consent", "enroll", "--data", data_dir, "--customer", "ria", "--scopes", "greeting", "--irk", RIA_IRK)
    welkom("consent", "enroll", "--data", data_dir, "--customer", "eve", "--scopes", "greeting",
           "--eid-key", EVE_EID_KEY, "--eid-exponent", "4", "--eid-epoch", str(epoch))
    rig = BumbleBeacons(workdir, ["--rpa-irk", RIA_IRK, "--eid", f"{EVE_EID_KEY}:4:{epoch}",
                                  "--stranger-rpas", "15", "--stranger-eids", "15", "--interval-ms", "40"])
    cleanup(rig.stop)
    agent = Agent(workdir, data_dir, radio=f"serial:{rig.pty}")
    cleanup(agent.stop)

    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="rpa") >= 1
               and agent.counter("welkom_recognitions_total", scheme="eid") >= 1, 90, "Ria (RPA) and Eve (EID)")
    # Keep going across at least two EID periods, with thousands of strangers' reports.
    wait_until(lambda: agent.counter("welkom_sightings_unmatched_total", source="radio") >= 5_000, 180,
               "5,000 strangers' sightings", interval=1)
    # Two periods on the EID is one the agent did not precompute at first: its tables must have rolled.
    two_periods_on = epoch + ((int(time.time()) - epoch) // 16 + 2) * 16
    wait_until(lambda: time.time() > two_periods_on + 1, 60, "two EID periods to pass")
    eid_before = agent.counter("welkom_recognitions_total", scheme="eid")
    wait_until(lambda: agent.counter("welkom_recognitions_total", scheme="eid") > eid_before + 5, 60,
               "Eve's beacon to be recognised on after its EID rotated twice")
    metrics = agent.metrics().lower()
    logs = agent.process.output().lower()
    assert "rpa false-match chance with 1 enrolled irks" in logs, "start-up states N and N/2^24 against the bound"
    assert agent.stop() == 0
    rig.stop()

    entries = [e for e in ledger(data_dir) if e["kind"] == "recognition"]
    assert {(e["customer"], e["scheme"]) for e in entries} == {("ria", "rpa"), ("eve", "eid")}

    identifiers = rig.stranger_identifiers()
    assert len(identifiers) == 30
    data = all_bytes_under(data_dir)
    data_lower = data.lower()
    for ident in identifiers:
        raw = bytes.fromhex(ident)
        colons = ":".join(ident[i:i + 2] for i in range(0, len(ident), 2))
        for blob in (raw, raw[::-1]):
            assert blob not in data, "a stranger's address or EID is stored in the data directory (binary)"
        for text in (ident, colons):
            assert text.encode() not in data_lower, "a stranger's identifier is in the data directory (hex)"
            assert text not in logs, "a stranger's identifier is in the logs"
            assert text not in metrics, "a stranger's identifier is in /metrics"


def test_token_prints_the_spec_eid():
    # Counter 65280 with K = 10 (docs/identifiers.md, Eddystone-EID): epoch 0, at 65280.
    out = welkom("token", "--eid-key", EVE_EID_KEY, "--eid-exponent", "10", "--eid-epoch", "0", "--at", "65280").stdout
    assert out.splitlines() == ["3439c83a6564bfdf"]
    out = welkom("token", "--eid-key", EVE_EID_KEY, "--eid-exponent", "10", "--eid-epoch", "1000", "--at", "1001000").stdout
    assert out.splitlines() == ["47e10fa56389d60e"]
    bad = welkom("token", "--eid-key", EVE_EID_KEY, "--eid-exponent", "16", "--eid-epoch", "0", check=False)
    assert bad.returncode == 64 and "--eid-exponent must be 0…15" in bad.stderr
    both = welkom("token", "--beacon-key", EVE_EID_KEY, "--eid-key", EVE_EID_KEY, "--eid-exponent", "1",
                  "--eid-epoch", "0", check=False)
    assert both.returncode == 64


def test_enrol_every_identifier_list_export_import_and_withdraw(workdir, data_dir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "rosa", "--scopes", "greeting,offers",
           "--irk", RIA_IRK, "--eid-key", EVE_EID_KEY, "--eid-exponent", "10", "--eid-epoch", "1690000000",
           "--static", "ibeacon:E2C56DB5-DFFB-48D2-B060-D0F5A71096E0:1:2", "--static", "address:C0:FF:EE:00:00:01",
           "--tag", "coffee", "--tag", "family")
    table = welkom("consent", "list", "--data", data_dir).stdout
    assert "eid, rpa, 2 static" in table
    line = json.loads(welkom("consent", "export", "--data", data_dir).stdout.splitlines()[0])
    assert line["eid_key"] is True and line["irk"] is True
    assert sorted(line["static"]) == ["address", "ibeacon"] and line["tags"] == ["coffee", "family"]
    exported = welkom("consent", "export", "--data", data_dir).stdout.lower()
    assert RIA_IRK not in exported and EVE_EID_KEY not in exported and "e2c56db5" not in exported, "never key material"

    # Partial EID options are refused, saying what is missing.
    bad = welkom("consent", "enroll", "--data", data_dir, "--customer", "x", "--scopes", "greeting",
                 "--eid-key", EVE_EID_KEY, check=False)
    assert bad.returncode == 64 and "--eid-key, --eid-exponent and --eid-epoch go together" in bad.stderr
    bad = welkom("consent", "enroll", "--data", data_dir, "--customer", "x", "--scopes", "greeting",
                 "--static", "ibeacon:nope", check=False)
    assert bad.returncode == 64 and "--static #1" in bad.stderr

    imports = workdir / "more.jsonl"
    imports.write_text(json.dumps({"customer": "sam", "scopes": ["greeting"], "irk": "11" * 16,
                                   "eid_key": "22" * 16, "eid_exponent": 5, "eid_epoch": 1690000000,
                                   "static": ["altbeacon:" + "ab" * 20], "tags": ["tea"]}) + "\n")
    welkom("consent", "import", "--data", data_dir, str(imports))
    sam = [json.loads(l) for l in welkom("consent", "export", "--data", data_dir).stdout.splitlines()
           if json.loads(l)["customer"] == "sam"][0]
    assert sam["irk"] and sam["eid_key"] and sam["static"] == ["altbeacon"] and sam["tags"] == ["tea"]

    welkom("consent", "withdraw", "--data", data_dir, "--customer", "rosa")
    files = all_bytes_under(data_dir)
    for secret in (bytes.fromhex(RIA_IRK), bytes.fromhex(EVE_EID_KEY)):
        assert secret not in files, "withdrawal deletes every kind of key material"
    assert b"e2c56db5dffb48d2b060d0f5a71096e0" not in files and b"c0ffee000001" not in files


def test_config_check_states_the_rpa_bound_as_an_irk_count(workdir):
    config = workdir / "welkom.toml"
    config.write_text('[recognition]\nenabled = true\ndpia_reference = "DPIA-1"\nrpa_false_match_bound = 1e-5\n')
    out = welkom("config", "check", str(config))
    assert "up to 167 IRKs" in out.stderr, out.stderr  # floor(1e-5 × 2^24)
    assert "the running agent states N and N/2^24 at start" in out.stderr
    config.write_text('[recognition]\nenabled = true\ndpia_reference = "DPIA-1"\nrpa_false_match_bound = 1e-3\n')
    assert "up to 16777 IRKs" in welkom("config", "check", str(config)).stderr
