"""Invariant 9 end to end (issue 12, finding 4): a data directory or key file that another user
could write or plant is refused — by `welkom run` (exit 73) and by a CLI write (exit 73) — and
each refusal names the path and the fix; `/` and other system directories are refused by
`config check` and every command; `--out` never writes through a symlink nor keeps an open mode.
These tests chown to `nobody`, so they run as root (as make test does)."""

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ANNA_KEY, WELKOM, free_port, welkom

NOBODY = 65534


@pytest.fixture
def shop(workdir):
    """WORKDIR/shop (0755, root's) / data (0700) with a consent enrolled: the registry, the ledger,
    the card pepper and the ledger signing key exist."""
    if os.geteuid() != 0:
        pytest.fail("test_data_directory chowns files to nobody: run it as root")
    base = workdir / "shop"
    base.mkdir(mode=0o755)
    data = base / "data"
    welkom("consent", "enroll", "--data", data, "--customer", "anna", "--scopes", "greeting",
           "--beacon-key", ANNA_KEY, "--card", "2900000000001")
    welkom("audit", "dsar", "--data", data, "--customer", "anna", "--sign-checkpoint")  # creates the signing key
    assert (data / "card-pepper.key").exists() and (data / "ledger-signing.key").exists()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    return data


def config_for(workdir, data) -> Path:
    path = workdir / "welkom.toml"
    path.write_text(f'[data]\ndir = "{data}"\n\n[radio]\ntransport = ""\n\n'
                    f'[till_display]\nlisten = "127.0.0.1:{free_port()}"\n\n'
                    f'[metrics]\nlisten = "127.0.0.1:{free_port()}"\n')
    return path


def run_agent(workdir, data) -> subprocess.CompletedProcess:
    """`welkom run` on `data`: a refused directory ends it at once (a started agent would keep
    running until the timeout, which fails the test)."""
    return subprocess.run([WELKOM, "run", "--config", str(config_for(workdir, data))], capture_output=True,
                          text=True, timeout=60)


def assert_refused(workdir, data, names: str, fix: str):
    agent = run_agent(workdir, data)
    out = agent.stdout + agent.stderr
    assert agent.returncode == 73, f"welkom run exited {agent.returncode}:\n{out}"
    assert names in out and fix in out, f"welkom run did not name {names!r} with the fix {fix!r}:\n{out}"
    for write in (["consent", "enroll", "--data", data, "--customer", "bert", "--scopes", "greeting",
                   "--beacon-key", "ffeeddccbbaa99887766554433221100"],
                  ["consent", "withdraw", "--data", data, "--customer", "anna"],
                  ["audit", "purge", "--data", data],
                  ["till", "pair", "--till", "1", "--data", data]):
        cli = welkom(*write, check=False)
        assert cli.returncode != 0, f"welkom {' '.join(map(str, write))} wrote to a refused directory"
        assert names in cli.stderr and fix in cli.stderr, f"welkom {write[:2]} did not name the problem:\n{cli.stderr}"
    cli = welkom("consent", "enroll", "--data", data, "--customer", "bert", "--scopes", "greeting",
                 "--beacon-key", "ffeeddccbbaa99887766554433221100", check=False)
    assert cli.returncode == 73, cli.stderr


def test_a_world_writable_data_directory_is_refused(workdir, shop):
    shop.chmod(0o777)
    assert_refused(workdir, shop, f"{shop}: mode 0777 lets everyone write to it", f"chmod 700 {shop}")


def test_a_data_directory_owned_by_nobody_is_refused(workdir, shop):
    os.chown(shop, NOBODY, NOBODY)
    assert_refused(workdir, shop, f"{shop}: owned by nobody", f"chown -R root: {shop}")


def test_a_group_writable_parent_is_refused(workdir, shop):
    shop.parent.chmod(0o775)
    assert_refused(workdir, shop, f"{shop.parent}: a parent of the data directory with mode 0775", f"chmod go-w {shop.parent}")


def test_a_symlinked_data_directory_or_path_component_is_refused(workdir, shop):
    link = workdir / "link"
    link.symlink_to(shop)
    assert_refused(workdir, link, f"{link}: a symlink", f"readlink -f {link}")
    parent_link = workdir / "shop-link"
    parent_link.symlink_to(shop.parent)
    assert_refused(workdir, parent_link / "data", f"{parent_link}: a symlink", "readlink -f")


@pytest.mark.parametrize("key", ["card-pepper.key", "ledger-signing.key"])
def test_planted_key_files_are_refused(workdir, shop, key):
    path = shop / key
    original = path.read_bytes()
    path.chmod(0o644)
    assert_refused(workdir, shop, f"{path}: mode 0644 lets group or others read it", f"chmod 600 {path}")
    path.chmod(0o600)
    os.chown(path, NOBODY, NOBODY)
    assert_refused(workdir, shop, f"{path}: owned by nobody", "remove it")
    os.chown(path, 0, 0)
    planted = workdir / f"planted-{key}"
    planted.write_bytes(os.urandom(32))
    planted.chmod(0o600)
    path.unlink()
    path.symlink_to(planted)
    assert_refused(workdir, shop, f"{path}: a symlink", f"rm {path}")
    assert original != planted.read_bytes()


def test_a_symlinked_pairings_store_is_refused_and_its_target_never_created(workdir, shop):
    target = workdir / "elsewhere" / "created-by-root.sqlite"
    target.parent.mkdir()
    (shop / "till-pairings.sqlite").symlink_to(target)
    assert_refused(workdir, shop, f"{shop}/till-pairings.sqlite: a symlink", f"rm {shop}/till-pairings.sqlite")
    assert not target.exists(), "root created the link's target"


def test_a_sticky_root_parent_like_tmp_is_accepted_only_for_a_private_directory_of_ours(workdir):
    """/tmp (1777, root): nobody else can rename what we own in it, so a data directory directly
    in it is used when it is ours and 0700 — a 0755 one of ours is made 0700 — and refused when
    others may write it or when someone else owns it."""
    assert stat.S_IMODE(os.stat("/tmp").st_mode) & 0o1777 == 0o1777 and os.stat("/tmp").st_uid == 0
    data = Path(tempfile.mkdtemp(prefix="welkom-dd-", dir="/tmp"))
    try:
        data.chmod(0o755)
        welkom("consent", "enroll", "--data", data, "--customer", "anna", "--scopes", "greeting", "--beacon-key", ANNA_KEY)
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        data.chmod(0o777)
        assert_refused(workdir, data, f"{data}: mode 0777 lets everyone write to it", f"chmod 700 {data}")
        data.chmod(0o700)
        os.chown(data, NOBODY, NOBODY)
        assert_refused(workdir, data, f"{data}: owned by nobody", f"chown -R root: {data}")
    finally:
        shutil.rmtree(data, ignore_errors=True)


def test_a_good_data_directory_starts(workdir, shop):
    """The refusals above are the directory's, not the harness's: the same layout, untouched, runs."""
    config = config_for(workdir, shop)
    agent = subprocess.Popen([WELKOM, "run", "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            agent.wait(timeout=5)
    finally:
        agent.terminate()
        out, _ = agent.communicate(timeout=20)
    assert agent.returncode == 0, out


def test_config_check_refuses_a_system_directory_as_data_dir(workdir):
    for system in ("/", "/etc", "/var", "/tmp", "/usr", "/home", "/root"):
        config = workdir / "system.toml"
        config.write_text(f'# the data directory\n[data]\ndir = "{system}"\n')
        p = welkom("config", "check", config, check=False)
        assert p.returncode == 78, f"data.dir = {system!r} passed config check:\n{p.stdout}{p.stderr}"
        assert f"{config}:3: data.dir: a system directory" in p.stderr, p.stderr
        assert "fix: set data.dir" in p.stderr, p.stderr


def test_consent_list_of_the_root_directory_creates_nothing():
    before = sorted(os.listdir("/"))
    p = welkom("consent", "list", "--data", "/", check=False)
    assert p.returncode == 64, p.stdout + p.stderr
    assert "a system directory" in p.stderr, p.stderr
    assert sorted(os.listdir("/")) == before, "files appeared in /"
    for name in ("registry.sqlite", "registry.sqlite-wal", "registry.sqlite-shm", "card-pepper.key", "ledger.sqlite"):
        assert not os.path.lexists("/" + name), name


@pytest.mark.parametrize("command", ["dsar", "report"])
def test_out_never_follows_a_symlink_nor_keeps_an_open_mode(workdir, shop, command):
    extra = ["--customer", "anna"] if command == "dsar" else []
    victim = workdir / "victim"
    victim.write_text("not yours to write")
    out = workdir / f"{command}.out"
    out.symlink_to(victim)
    welkom("audit", command, "--data", shop, *extra, "--out", out)
    assert victim.read_text() == "not yours to write", "written through the symlink"
    assert not out.is_symlink() and out.is_file()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    open_file = workdir / f"{command}-open.out"
    open_file.write_text("old")
    open_file.chmod(0o666)
    welkom("audit", command, "--data", shop, *extra, "--out", open_file)
    assert stat.S_IMODE(open_file.stat().st_mode) == 0o600
    assert open_file.read_text() != "old"
    if command == "dsar":
        assert json.loads(open_file.read_text())["customer"] == "anna"
