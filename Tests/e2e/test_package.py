"""The Debian package (`make deb`): what it ships, that its unit passes `systemd-analyze verify`,
and installing, upgrading and purging it in a Debian bookworm chroot made by debootstrap
(minbase, with only the package's Depends added: no Swift toolchain in there).

The package is WELKOM_DEB (`make test` builds it first); the upgrade installs a second build of
it, made by packaging/build-deb from the same binary with a higher version."""

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

import conftest

ROOT = conftest.ROOT
MIRROR = os.environ.get("WELKOM_DEBIAN_MIRROR", "http://deb.debian.org/debian")


def run(*argv, timeout=600, check=True, **kw):
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def deb() -> Path:
    path = os.environ.get("WELKOM_DEB")
    if not path:
        version = (ROOT / "VERSION").read_text().strip()
        arch = run("dpkg", "--print-architecture").stdout.strip()
        path = str(ROOT / "dist" / f"welkom_{version}_{arch}.deb")
    if not Path(path).is_file():
        pytest.fail(f"{path} is missing: `make deb` builds it (`make test` does so before the tests)")
    return Path(path)


def field(deb: Path, name: str) -> str:
    return run("dpkg-deb", "-f", deb, name).stdout.strip()


@pytest.fixture(scope="module")
def upgrade_deb(deb, tmp_path_factory) -> Path:
    """A second build of the package, from the same binary, with a higher version."""
    work = tmp_path_factory.mktemp("upgrade")
    run("dpkg-deb", "-x", deb, work / "root")
    version = field(deb, "Version") + "+upgrade1"
    out = run(ROOT / "packaging" / "build-deb", work / "root" / "usr" / "bin" / "welkom", version, work / "dist",
              env={**os.environ, "DEB_COMPRESS_LEVEL": "1"}).stdout
    path = Path(out.strip().splitlines()[-1])
    assert run("dpkg", "--compare-versions", version, "gt", field(deb, "Version"), check=False).returncode == 0
    return path


@pytest.fixture(scope="module")
def chroot(deb, tmp_path_factory) -> Path:
    """Debian bookworm minbase plus the package's Depends, once per test run (≈ 1.5 min)."""
    if shutil.which("debootstrap") is None:
        pytest.fail("debootstrap is not installed (make deps-test installs it)")
    if os.geteuid() != 0:
        pytest.fail("debootstrap and chroot need root")
    root = tmp_path_factory.mktemp("chroot") / "bookworm"
    depends = [d.strip().split()[0] for d in field(deb, "Depends").split(",")]
    started = time.monotonic()
    run("debootstrap", "--variant=minbase", f"--include={','.join(depends)}", "bookworm", root, MIRROR, timeout=900)
    print(f"debootstrap minbase bookworm + {len(depends)} Depends: {time.monotonic() - started:.0f} s")
    return root


def in_chroot(root: Path, *argv, check=True):
    return run("chroot", root, *argv, check=check)


def test_the_package_ships_binary_unit_config_udev_rules_and_user(deb):
    contents = run("dpkg-deb", "--contents", deb).stdout
    paths = {line.split()[-1].lstrip(".") for line in contents.splitlines()}
    for path in ["/usr/bin/welkom", "/lib/systemd/system/welkom.service", "/etc/welkom/welkom.toml",
                 "/lib/udev/rules.d/60-welkom-radio.rules", "/lib/udev/rules.d/70-welkom-card-readers.rules",
                 "/usr/lib/sysusers.d/welkom.conf"]:
        assert path in paths, f"{path} not in the package:\n{contents}"
    assert "-rwxr-xr-x root/root" in next(l for l in contents.splitlines() if l.endswith("./usr/bin/welkom"))
    assert run("dpkg-deb", "--ctrl-tarfile", deb).returncode == 0
    control = run("dpkg-deb", "-I", deb, "conffiles").stdout.split()
    assert control == ["/etc/welkom/welkom.toml"]
    depends = field(deb, "Depends")
    for library in ["libbluetooth3", "libusb-1.0-0", "libsqlite3-0", "libqrencode4"]:
        assert library in depends, depends
    size = deb.stat().st_size
    print(f"{deb.name}: {size / 1e6:.1f} MB, Installed-Size {int(field(deb, 'Installed-Size')) / 1024:.1f} MiB")


def test_the_binary_needs_no_swift_toolchain(deb, tmp_path):
    run("dpkg-deb", "-x", deb, tmp_path)
    ldd = run("ldd", tmp_path / "usr" / "bin" / "welkom").stdout
    assert "libswift" not in ldd and "libFoundation" not in ldd and "libdispatch" not in ldd, ldd
    assert "libbluetooth.so" in ldd, ldd


def test_unit_user_and_udev_rules_name_one_user():
    unit = (ROOT / "config" / "welkom.service").read_text()
    lines = {l.split("=", 1)[0]: l.split("=", 1)[1] for l in unit.splitlines() if "=" in l and not l.startswith("#")}
    assert lines["ExecStart"].startswith("/usr/bin/welkom run ")
    assert lines["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert lines["User"] == "welkom" and lines["Group"] == "welkom"
    assert "DynamicUser" not in lines
    assert lines["AmbientCapabilities"].split() == ["CAP_NET_RAW", "CAP_NET_ADMIN"]
    assert lines["ReadWritePaths"] == "/var/lib/welkom" and lines["ProtectSystem"] == "strict"
    assert lines["LimitNOFILE"] == "65536" and lines["NoNewPrivileges"] == "yes" and lines["PrivateTmp"] == "yes"
    for rules in (ROOT / "hardware" / "udev").glob("*.rules"):
        for line in rules.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                assert 'GROUP="welkom"' in line, f"{rules.name}: {line}"
    sysusers = (ROOT / "packaging" / "sysusers.d" / "welkom.conf").read_text()
    assert any(l.split()[:2] == ["u", "welkom"] for l in sysusers.splitlines() if not l.startswith("#"))


def test_sysusers_conf_makes_the_welkom_user(tmp_path):
    (tmp_path / "etc").mkdir()
    run("systemd-sysusers", f"--root={tmp_path}", ROOT / "packaging" / "sysusers.d" / "welkom.conf")
    passwd = (tmp_path / "etc" / "passwd").read_text()
    user = next(l for l in passwd.splitlines() if l.startswith("welkom:")).split(":")
    assert user[5] == "/var/lib/welkom" and user[6] == "/usr/sbin/nologin"
    assert int(user[2]) < 1000, "a system uid"
    assert any(l.startswith("welkom:") for l in (tmp_path / "etc" / "group").read_text().splitlines())


def test_install_upgrade_remove_purge_in_a_bookworm_chroot(deb, upgrade_deb, chroot):
    v1, v2 = field(deb, "Version"), field(upgrade_deb, "Version")
    shutil.copy(deb, chroot / "tmp" / deb.name)
    shutil.copy(upgrade_deb, chroot / "tmp" / upgrade_deb.name)
    data = chroot / "var" / "lib" / "welkom"
    config = chroot / "etc" / "welkom" / "welkom.toml"

    started = time.monotonic()
    in_chroot(chroot, "dpkg", "-i", f"/tmp/{deb.name}")
    print(f"install: {time.monotonic() - started:.1f} s")
    assert in_chroot(chroot, "dpkg-query", "-W", "-f=${Version} ${Status}", "welkom").stdout == f"{v1} install ok installed"
    user = in_chroot(chroot, "getent", "passwd", "welkom").stdout.split(":")
    uid, gid = int(user[2]), int(user[3])
    assert in_chroot(chroot, "getent", "group", "welkom").stdout.split(":")[2] == str(gid)
    st = data.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700 and (st.st_uid, st.st_gid) == (uid, gid)
    # The statically linked binary runs where no Swift toolchain is installed.
    assert not (chroot / "opt" / "swift").exists() and not list((chroot / "usr" / "lib").glob("**/libswiftCore.so"))
    in_chroot(chroot, "welkom", "config", "check", "/etc/welkom/welkom.toml")
    # The unit as installed, verified by this machine's systemd: a minbase chroot has no systemd
    # (so no targets for --root), hence the host's, with ExecStart pointed at the installed binary.
    unit_dir = chroot / "tmp" / "verify"
    unit_dir.mkdir()
    unit = (chroot / "lib" / "systemd" / "system" / "welkom.service").read_text()
    assert "ExecStart=/usr/bin/welkom run --config /etc/welkom/welkom.toml" in unit
    (unit_dir / "welkom.service").write_text(unit.replace("/usr/bin/welkom", str(chroot / "usr" / "bin" / "welkom")))
    verify = run("systemd-analyze", "verify", unit_dir / "welkom.service", check=False)
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stdout + verify.stderr

    # The admin edits the config; the agent has data.
    config.write_text(config.read_text().replace('transport = "hci0"', 'transport = ""'))
    edited = config.read_text()
    (data / "consents.sqlite").write_bytes(b"pretend registry")
    os.chown(data / "consents.sqlite", uid, gid)

    started = time.monotonic()
    # When the new version's default config differs from the one installed and the admin edited it,
    # dpkg asks; an unattended upgrade (no terminal) keeps the admin's file, as --force-confold says.
    in_chroot(chroot, "dpkg", "--force-confold", "-i", f"/tmp/{upgrade_deb.name}")
    print(f"upgrade: {time.monotonic() - started:.1f} s")
    assert in_chroot(chroot, "dpkg-query", "-W", "-f=${Version}", "welkom").stdout == v2
    assert config.read_text() == edited, "the admin's config is a conffile: kept on upgrade"
    assert (data / "consents.sqlite").read_bytes() == b"pretend registry"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert in_chroot(chroot, "getent", "passwd", "welkom").stdout.split(":")[2] == str(uid), "same user after upgrade"

    in_chroot(chroot, "dpkg", "--remove", "welkom")
    assert not (chroot / "usr" / "bin" / "welkom").exists()
    assert (data / "consents.sqlite").exists(), "remove keeps the data"
    assert config.read_text() == edited, "remove keeps the config"

    started = time.monotonic()
    in_chroot(chroot, "dpkg", "--purge", "welkom")
    print(f"purge: {time.monotonic() - started:.1f} s")
    assert not data.exists(), "purge deletes /var/lib/welkom"
    assert not config.exists() and not (chroot / "etc" / "welkom").exists(), "purge deletes the config"
    assert in_chroot(chroot, "dpkg-query", "-W", "welkom", check=False).returncode != 0 or \
        "not-installed" in in_chroot(chroot, "dpkg-query", "-W", "-f=${Status}", "welkom", check=False).stdout
