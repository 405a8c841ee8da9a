"""`welkom doctor` against umockdev's fixture readers (Tests/WelkomCardsTests/Fixtures/
card-readers.umockdev: an ACR122U bound to pn533_usb, a keyboard-wedge scanner and a HID-POS
scanner bound to usbhid) and a serial scanner on a socat pty."""

import shutil
import subprocess
from pathlib import Path

import pytest

import conftest
from test_cards import ScannerLine

FIXTURES = Path(__file__).resolve().parents[1] / "WelkomCardsTests" / "Fixtures"


def doctor(workdir: Path, readers: str):
    umockdev_run = shutil.which("umockdev-run")
    if umockdev_run is None:
        pytest.fail("umockdev-run is not installed (apt-get install -y umockdev): the USB reader rig needs it")
    config = workdir / "doctor.toml"
    # No kernel radio: these tests are about the readers (test_doctor.py checks the radio).
    config.write_text('[radio]\ntransport = ""\n\n[[till]]\nid = "1"\n\n[[till]]\nid = "2"\n\n' + readers)
    return subprocess.run([umockdev_run, "--device", str(FIXTURES / "card-readers.umockdev"), "--",
                           conftest.WELKOM, "doctor", "--config", str(config)],
                          capture_output=True, text=True, timeout=120)


def test_doctor_lists_readers_says_who_claims_them_and_what_is_wrong(workdir, cleanup):
    scanner = ScannerLine(workdir)
    cleanup(scanner.stop)
    p = doctor(workdir, f'''
[[reader]]
kind = "acr122u"
usb = "072f:2200"
till = "1"

[[reader]]
kind = "hid-keyboard"
usb = "05e0:1200"
till = "2"

[[reader]]
kind = "hid-pos"
usb = "0c2e:0b6a"
port = "1-7"
till = "2"

[[reader]]
kind = "evdev"
path = "/dev/input/event42"
layout = "fr"
till = "1"

[[reader]]
kind = "serial"
path = "{scanner.device}"
till = "1"
''')
    out = p.stdout
    assert p.returncode == 69, f"exit {p.returncode}\n{out}\n{p.stderr}"
    lines = out.splitlines()

    def line(prefix):
        found = [l for l in lines if l.strip().startswith(prefix)]
        assert len(found) == 1, f"no single line starting {prefix!r}:\n{out}"
        return found[0]

    # Every USB device, its kernel driver, and the [[reader]] that claims it (or none).
    assert line("072f:2200 at 1-2").endswith("driver: pn533_usb  → reader 1 (acr122u, till 1)")
    assert line("05e0:1200 at 1-3").endswith("driver: usbhid  → reader 2 (hid-keyboard, till 2)")
    assert line("0c2e:0b6a at 1-4").endswith("(no [[reader]] claims it)"), "reader 3 wants port 1-7, not 1-4"
    # Why each reader can or cannot be used, with what to do.
    assert "modprobe.d/welkom-blacklist-pn533.conf" in line("reader 1:")
    assert "held by the kernel driver pn533_usb" in line("reader 1:")
    assert "ok: found at 1-3; the kernel driver usbhid holds it and welkom detaches it" in line("reader 2:")
    assert line("reader 3:").endswith("cannot be used: no USB device 0c2e:0b6a at port 1-7 is connected")
    assert "/dev/input/event42 does not exist" in line("reader 4:")
    assert line("reader 5:").endswith(f"ok: opens and claims at {scanner.device}")


def test_doctor_without_readers_is_healthy(workdir):
    p = doctor(workdir, "")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "no [[reader]] configured" in p.stdout
    assert "05e0:1200 at 1-3" in p.stdout


def test_a_reader_path_nobody_may_open_names_the_udev_rule(workdir):
    # Root opens anything, so the permission check runs as nobody (setpriv, util-linux).
    device = workdir / "ttyScanner"
    device.write_text("")
    device.chmod(0o600)
    workdir.chmod(0o755)
    config = workdir / "doctor.toml"
    config.write_text(f'[[reader]]\nkind = "serial"\npath = "{device}"\ntill = "1"\n')
    config.chmod(0o644)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to run doctor as an unprivileged user")
    p = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", conftest.WELKOM,
                        "doctor", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 69, p.stdout + p.stderr
    assert "permission denied opening" in p.stdout and "70-welkom-card-readers.rules" in p.stdout, p.stdout


def test_doctor_names_a_data_directory_others_may_write_with_the_fix(workdir):
    """Issue 12, finding 4: doctor applies the one data-directory check the agent and the CLI
    apply (DataDirectory), so what it calls fine is what `welkom run` will use."""
    data = workdir / "data"
    data.mkdir()
    data.chmod(0o777)
    p = doctor(workdir, f'\n[data]\ndir = "{data}"\n')
    assert p.returncode == 69, p.stdout + p.stderr
    assert f"FIX data directory {data}: mode 0777 lets everyone write to it" in p.stdout, p.stdout
    assert f"chmod 700 {data}" in p.stdout, p.stdout
    data.chmod(0o700)
    p = doctor(workdir, f'\n[data]\ndir = "{data}"\n')
    assert f"OK data directory {data}: 0700" in p.stdout, p.stdout
