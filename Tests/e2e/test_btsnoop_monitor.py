"""Captures as Linux writes them (issue 13, item 4): btsnoop datalink 2001, BlueZ's monitor format.

None of the 2001 captures read here is written by Welkom: one by BlueZ's own btmon (fed over its
TTY monitor protocol, Tests/Rigs/btmon_tty_capture.py, since this kernel has no Bluetooth socket
for `btmon -w`), one of two controllers by Wireshark's btsnoop writer (`editcap -F btsnoop` from a
pcap of Linux monitor packets). The other way round, `welkom scan --record-format monitor` writes a
capture that btmon and tshark read. And a datalink that is neither is named with the supported ones."""

import re
import struct
import subprocess
import time

import pytest

from conftest import ANNA_KEY, RIG_PYTHON, RIGS, BumbleStore, welkom
from test_radio_scan import SUMMARY, anna_tokens

BTSNOOP_UNIX_EPOCH_US = 0x00DCDDB30F2F8000
# BlueZ's monitor opcodes for (H4 type, controller → host).
OPCODES = {(1, 0): 2, (4, 1): 3, (2, 0): 4, (2, 1): 5}
LINKTYPE_BLUETOOTH_LINUX_MONITOR = 254


def records(raw: bytes, datalink: int) -> list:
    """(flags, timestamp, packet) of every complete record, read by the test itself."""
    assert raw[:8] == b"btsnoop\0" and struct.unpack(">II", raw[8:16]) == (1, datalink)
    out, offset = [], 16
    while offset + 24 <= len(raw):
        _, included, flags, _, timestamp = struct.unpack(">IIIIq", raw[offset:offset + 24])
        if offset + 24 + included > len(raw):
            break
        out.append((flags, timestamp, raw[offset + 24:offset + 24 + included]))
        offset += 24 + included
    return out


def counts(scan_stdout: str) -> tuple:
    m = SUMMARY.search(scan_stdout)
    assert m, scan_stdout
    return tuple(int(g) for g in m.groups())


@pytest.fixture(scope="module")
def h4_capture(tmp_path_factory):
    """A 3-second scan of Anna's fob and three strangers, datalink 1002, written by Bumble."""
    d = tmp_path_factory.mktemp("monitor")
    path = d / "scan.btsnoop"
    p = subprocess.run([RIG_PYTHON, str(RIGS / "bumble_capture.py"), "--output", str(path), "--seconds", "3",
                        "--enrolled-key", ANNA_KEY, "--strangers", "3"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"WROTE {path}" in p.stdout, p.stdout + p.stderr
    return path


def enrolled(data_dir, workdir):
    welkom("consent", "enroll", "--data", data_dir, "--customer", "anna", "--scopes", "greeting", "--beacon-key", ANNA_KEY)
    cfg = workdir / "welkom.toml"
    cfg.write_text(f'[data]\ndir = "{data_dir}"\n\n[recognition]\nenabled = true\ndpia_reference = "DPIA-TEST-1"\n')
    return cfg


def test_a_capture_btmon_wrote_scans_and_replays_as_its_source_did(h4_capture, workdir, data_dir):
    out = workdir / "btmon.btsnoop"
    p = subprocess.run([RIG_PYTHON, str(RIGS / "btmon_tty_capture.py"), "--input", str(h4_capture), "--output", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and f"WROTE {out}" in p.stdout, p.stdout + p.stderr
    written = records(out.read_bytes(), 2001)
    assert written[0][0] == 0 and written[0][2][8:12] == b"hci0", "btmon's capture starts with New Index hci0"
    assert {flags & 0xFFFF for flags, _, _ in written[1:]} <= {2, 3, 4, 5}

    source = welkom("scan", "--hci", f"btsnoop:{h4_capture}", "--seconds", "60")
    started = time.monotonic()
    monitor = welkom("scan", "--hci", f"btsnoop:{out}", "--seconds", "60")
    assert time.monotonic() - started < 30, "played at the recorded pace, about 3 s"
    assert counts(monitor.stdout) == counts(source.stdout) and counts(source.stdout)[1] > 20, monitor.stdout
    # btmon counts its timestamps from the epoch (January 1970): no consent is valid then, so
    # replay is compared by its counts.
    from_source = re.search(r"advertising reports .*", welkom("replay", h4_capture, "--data", data_dir).stderr).group(0)
    replayed = welkom("replay", out, "--data", data_dir).stderr
    assert f"replay: {len(written) - 1} records, " in replayed and from_source in replayed, replayed


def wireshark_two_controller_capture(h4_capture, workdir):
    """Every packet of the H4 capture on controller 0, every second one also on controller 1, as a
    pcap of Linux monitor packets turned into btsnoop by Wireshark's own writer."""
    pcap = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_BLUETOOTH_LINUX_MONITOR)
    second = []
    for n, (flags, timestamp, packet) in enumerate(records(h4_capture.read_bytes(), 1002)):
        opcode = OPCODES.get((packet[0], flags & 1))
        if opcode is None:
            continue
        for index in ((0, 1) if n % 2 else (0,)):
            body = struct.pack(">HH", index, opcode) + packet[1:]
            us = timestamp - BTSNOOP_UNIX_EPOCH_US
            pcap += struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(body), len(body)) + body
        if n % 2:
            second.append(packet)
    (workdir / "two.pcap").write_bytes(pcap)
    out = workdir / "two.btsnoop"
    subprocess.run(["editcap", "-F", "btsnoop", str(workdir / "two.pcap"), str(out)], check=True, timeout=60)
    return out, second


def test_two_controllers_need_an_index_and_each_replays_its_own(h4_capture, workdir, data_dir):
    two, second = wireshark_two_controller_capture(h4_capture, workdir)
    assert struct.unpack(">I", two.read_bytes()[12:16]) == (2001,)
    cfg = enrolled(data_dir, workdir)

    refused = welkom("replay", two, "--data", data_dir, "--config", cfg, check=False)
    assert refused.returncode == 65, refused.stderr
    assert "holds 2 controllers, hci0 (index 0), hci1 (index 1); choose one with --index N" in refused.stderr
    assert refused.stdout == ""
    scan_refused = welkom("scan", "--hci", f"btsnoop:{two}", check=False)
    assert scan_refused.returncode == 65 and "choose one with --index N" in scan_refused.stderr
    assert "advertising reports" not in scan_refused.stdout, "refused before scanning"

    original = welkom("replay", h4_capture, "--data", data_dir, "--config", cfg).stdout.splitlines()
    hci0 = welkom("replay", two, "--index", "0", "--data", data_dir, "--config", cfg).stdout.splitlines()
    assert hci0 == original and len(original) > 5, "controller 0 holds every packet: the same recognitions, times and RSSI"
    hci1 = welkom("replay", two, "--index", "hci1", "--data", data_dir, "--config", cfg).stdout.splitlines()
    tokens = anna_tokens()
    assert len(hci1) == sum(1 for p in second if p[0] == 4 and any(t in p for t in tokens)) > 0
    assert set(hci1) <= set(original)
    missing = welkom("replay", two, "--index", "2", "--data", data_dir, "--config", cfg, check=False)
    assert missing.returncode == 65
    assert "no controller hci2 in the capture; it holds hci0 (index 0), hci1 (index 1)" in missing.stderr

    one = counts(welkom("scan", "--hci", f"btsnoop:{two}@hci1", "--seconds", "60").stdout)
    assert one == counts(welkom("scan", "--hci", f"btsnoop:{two}", "--index", "1", "--seconds", "60").stdout)
    assert 0 < one[1] < counts(welkom("scan", "--hci", f"btsnoop:{h4_capture}", "--seconds", "60").stdout)[1]


def test_scan_records_in_the_monitor_format_that_btmon_and_tshark_read(workdir, data_dir, cleanup):
    rig = BumbleStore(workdir, enrolled_keys=[ANNA_KEY], strangers=3)
    cleanup(rig.stop)
    capture = workdir / "monitor.btsnoop"
    p = welkom("scan", "--hci", f"serial:{rig.pty}", "--seconds", "4", "--record", capture, "--record-format", "monitor")
    wlk1 = counts(p.stdout)[1]
    assert wlk1 > 20
    assert (capture.stat().st_mode & 0o777) == 0o600
    written = records(capture.read_bytes(), 2001)
    events = [packet for flags, _, packet in written if flags == 3]

    btmon = subprocess.run(["btmon", "-r", str(capture), "-P", "-C", "200"], capture_output=True, text=True, timeout=60)
    assert btmon.returncode == 0, btmon.stderr
    assert "= New Index: 00:00:00:00:00:00 (Primary,UART,hci0)" in btmon.stdout, btmon.stdout[:2000]
    assert btmon.stdout.count("> HCI Event:") == len(events)
    assert btmon.stdout.count("< HCI Command:") == sum(1 for flags, _, _ in written if flags == 2) > 3
    assert "LE Set Extended Scan Enable" in btmon.stdout

    tshark = subprocess.run(["tshark", "-r", str(capture), "-T", "fields", "-e", "hci_mon.opcode", "-e", "hci_mon.adapter_id"],
                            capture_output=True, text=True, timeout=120)
    assert tshark.returncode == 0, tshark.stderr
    fields = [line.split("\t") for line in tshark.stdout.splitlines()]
    assert len(fields) == len(written)
    assert sum(1 for f in fields if int(f[0], 0) == 3) == len(events)
    assert {f[1] for f in fields} == {"0"}
    detail = subprocess.run(["tshark", "-r", str(capture), "-V", "-c", "1"], capture_output=True, text=True, timeout=60)
    assert "Bluetooth Linux Monitor" in detail.stdout and "Adapter Name: hci0" in detail.stdout

    # The default format, H4 (datalink 1002), reads in tshark as well.
    h4 = workdir / "h4.btsnoop"
    welkom("scan", "--hci", f"serial:{rig.pty}", "--seconds", "2", "--record", h4)
    h4_frames = subprocess.run(["tshark", "-r", str(h4), "-T", "fields", "-e", "frame.encap_type"],
                               capture_output=True, text=True, timeout=120)
    assert h4_frames.returncode == 0, h4_frames.stderr
    assert len(h4_frames.stdout.splitlines()) == len(records(h4.read_bytes(), 1002)) > 10

    cfg = enrolled(data_dir, workdir)
    tokens = anna_tokens()
    annas = sum(1 for e in events if any(t in e for t in tokens))
    lines = welkom("replay", capture, "--data", data_dir, "--config", cfg).stdout.splitlines()
    assert len(lines) == annas > 5 and all('"customer":"anna"' in line for line in lines)


def test_a_datalink_neither_h4_nor_monitor_is_named_with_the_supported_ones(workdir, data_dir):
    bcsp = workdir / "bcsp.btsnoop"
    bcsp.write_bytes(b"btsnoop\0" + struct.pack(">II", 1, 1003) + bytes(24))
    supported = "supported are 1002 (HCI UART, H4), 1001 (HCI, unframed), 2001 (BlueZ monitor, as btmon writes it)"
    replayed = welkom("replay", bcsp, "--data", data_dir, check=False)
    assert replayed.returncode == 65, replayed.stderr
    assert "btsnoop datalink 1003 (HCI BCSP)" in replayed.stderr and supported in replayed.stderr
    scanned = welkom("scan", "--hci", f"btsnoop:{bcsp}", check=False)
    assert scanned.returncode == 65, scanned.stdout + scanned.stderr
    assert "btsnoop datalink 1003 (HCI BCSP)" in scanned.stderr and supported in scanned.stderr
    absent = welkom("scan", "--hci", f"btsnoop:{workdir / 'absent.btsnoop'}", check=False)
    assert absent.returncode == 66 and "cannot open capture" in absent.stderr
