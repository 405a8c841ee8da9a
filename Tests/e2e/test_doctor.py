"""`welkom doctor` for the radio and the machine: each line `OK …` or `FIX …` with the fix, exit 69
when any says FIX. These tests assert what this machine gives: the kernel's Bluetooth as Python's
own socket(AF_BLUETOOTH) finds it (these build machines have none: errno 97), the data
directory's mode, owner, symlinks and key files as the test makes them."""

import errno
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

import conftest


def doctor(workdir: Path, data: Path, radio="hci0", channel="raw", as_nobody=False):
    config = workdir / "doctor.toml"
    config.write_text(f'[data]\ndir = "{data}"\n\n[radio]\ntransport = "{radio}"\nkernel_channel = "{channel}"\n')
    argv = [conftest.WELKOM, "doctor", "--config", str(config)]
    if as_nobody:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("setpriv (util-linux) is needed to run doctor as an unprivileged user")
        config.chmod(0o644)
        workdir.chmod(0o755)
        argv = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert p.returncode in (0, 69), f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def findings(p) -> list:
    return [l.strip() for l in p.stdout.splitlines() if l.strip().startswith(("OK ", "FIX "))]


def line(p, start: str) -> str:
    found = [l for l in findings(p) if l.startswith(start)]
    assert len(found) == 1, f"no single line starting {start!r}:\n{p.stdout}"
    return found[0]


def kernel_has_bluetooth() -> bool:
    try:
        socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW, socket.BTPROTO_HCI).close()
        return True
    except OSError as e:
        if e.errno == errno.EAFNOSUPPORT:
            return False
        raise
    except AttributeError:  # a Python built without Bluetooth constants
        return False


@pytest.fixture
def private_data(workdir) -> Path:
    data = workdir / "data"
    data.mkdir(mode=0o700)
    data.chmod(0o700)
    return data


def test_every_line_is_ok_or_fix_and_the_kernel_line_says_what_this_machine_has(workdir, private_data):
    p = doctor(workdir, private_data)
    out = p.stdout
    radio = out[out.index("Radio:"):out.index("System:")]
    assert all(l.strip().startswith(("OK ", "FIX ")) for l in radio.splitlines()[1:] if l.strip()), out
    if kernel_has_bluetooth():
        assert line(p, "OK kernel:") == "OK kernel: Bluetooth sockets are available"
    else:
        fix = line(p, "FIX kernel:")
        assert fix.startswith("FIX kernel: the kernel has no Bluetooth: socket(AF_BLUETOOTH) failed with errno 97"), fix
        assert "modprobe bluetooth" in fix and 'transport = "serial:/dev/ttyACM0"' in fix
        assert p.returncode == 69, "a FIX line: exit 69"
        assert "to fix (the FIX lines above)" in out
    # rfkill, bluetoothd and this process's capabilities are read whatever the kernel has.
    line(p, "OK rfkill:")
    line(p, "OK bluetoothd:")
    assert line(p, "OK capabilities:") == 'OK capabilities: this process holds CAP_NET_RAW (kernel_channel = "raw")', \
        "the tests run as root"


def test_without_a_kernel_adapter_the_radio_checks_are_skipped_and_a_private_data_dir_is_ok(workdir, private_data):
    (private_data / "card-pepper.key").write_bytes(b"k" * 32)
    (private_data / "card-pepper.key").chmod(0o600)
    p = doctor(workdir, private_data, radio="")
    assert line(p, "OK radio:").startswith('OK radio: no kernel adapter configured ([radio] transport = "" (no radio))')
    assert line(p, f"OK data directory {private_data}:") == (
        f"OK data directory {private_data}: 0700, owned by root, no symlinks, key and store files 0600")
    # Recognition is off in this config, so an unsynchronised clock is said but not a FIX.
    line(p, "OK clock:")
    assert p.returncode == 0, p.stdout


def test_a_world_writable_data_dir_is_a_fix(workdir, private_data):
    private_data.chmod(0o777)
    p = doctor(workdir, private_data, radio="")
    assert line(p, f"FIX data directory {private_data}:") == (
        f"FIX data directory {private_data}: mode 0777 lets everyone write to it (plant the key files, replace the "
        f"registry or the ledger); fix: `chmod 700 {private_data}`, and remove any file in it you did not put there")
    assert p.returncode == 69


def test_a_readable_key_file_and_a_symlinked_path_are_fixes(workdir, private_data):
    key = private_data / "ledger-signing.key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o644)
    link = workdir / "link"
    link.symlink_to(private_data)
    p = doctor(workdir, link, radio="")
    assert line(p, f"FIX {link}/ledger-signing.key:") == (
        f"FIX {link}/ledger-signing.key: mode 0644 lets group or others read it; fix: `chmod 600 {link}/ledger-signing.key`")
    assert line(p, f"FIX data directory {link}:").startswith(f"FIX data directory {link}: a symlink ")
    assert p.returncode == 69


def test_without_capabilities_the_fix_names_setcap_and_the_unit(workdir, private_data):
    os.chown(private_data, 65534, 65534)  # nobody owns it, as the agent's user would
    p = doctor(workdir, private_data, channel="raw-then-user", as_nobody=True)
    fix = line(p, "FIX capabilities:")
    assert "lacks CAP_NET_RAW and CAP_NET_ADMIN" in fix, fix
    assert "`setcap cap_net_raw,cap_net_admin+ep /usr/bin/welkom`" in fix and "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" in fix
    assert p.returncode == 69
