#!/usr/bin/env python3
"""Boots the real-kernel rig's guest and runs one scenario in it: a Debian kernel under qemu (TCG),
the host's / read-only over 9p under a tmpfs overlay, a writable 9p share for the results.

    run_guest.py SCENARIO [--env NAME=VALUE ...] [--timeout S] [--keep DIR]

SCENARIO is a bash script (a path, or a name in Tests/Rigs/kernel_vm/scenarios/) run as root in
the guest with cwd /vmshare, the share. It sees KVM_DIR (this directory), RIG_PYTHON, WELKOM_BIN
(a copy of $WELKOM_BIN taken at boot, in the share), ANNA_KEY and any --env; it may leave files in /vmshare for the caller. Prints the scenario's
stdout and stderr and exits with its exit code (124 when the guest did not finish in time).

Needs build_kernel.py's output (.build-kernel/: vmlinux, initramfs.cpio, root/) and Debian's
qemu-system-x86. KVM only with WELKOM_VM_ACCEL=kvm: the paravirtual KVM of the machines this was
written on cannot run a stock kernel. WELKOM_VM_CPUS (default 1) and WELKOM_VM_MEMORY (MiB, 1536).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
KERNEL_DIR = Path(os.environ.get("WELKOM_KERNEL_DIR", ROOT / ".build-kernel"))
ANNA_KEY = "00112233445566778899aabbccddeeff"
# What the host image enables that a test guest has no use for (and that would cost minutes under TCG).
SYSTEMD_MASKED = ["postgresql.service", "getty@tty1.service", "serial-getty@ttyS0.service", "e2scrub_reap.service",
                  "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
                  "fstrim.timer", "systemd-timesyncd.service", "man-db.timer", "remote-fs.target",
                  "console-getty.service", "postgresql@15-main.service", "logrotate.timer"]


@dataclass
class GuestResult:
    exit_code: int  # the scenario's; 124 when the guest did not finish in time
    stdout: str
    stderr: str
    dmesg: str
    console: str  # the guest's serial console (kernel messages, init's complaints)
    share: Path  # the results share: whatever else the scenario left there
    seconds: float  # wall clock, qemu start to exit
    timings: str  # guest-side uptime marks (init done, scenario steps, scenario done)

    def file(self, name: str) -> str:
        path = self.share / name
        return path.read_text(errors="replace") if path.exists() else ""

    def describe(self) -> str:
        return (f"guest exit {self.exit_code} after {self.seconds:.1f} s\n--- stdout\n{self.stdout}\n--- stderr\n"
                f"{self.stderr}\n--- timings\n{self.timings}\n--- console (tail)\n{self.console[-3000:]}\n"
                f"--- dmesg (tail)\n{self.dmesg[-3000:]}")


def kernel_version() -> str:
    version_file = KERNEL_DIR / "version"
    if not version_file.exists():
        raise RuntimeError(f"no guest kernel in {KERNEL_DIR}: run Tests/Rigs/kernel_vm/build_kernel.py (make deps-test does)")
    return version_file.read_text().strip()


def scenario_path(scenario) -> Path:
    path = Path(scenario)
    if not path.exists():
        path = HERE / "scenarios" / (str(scenario) if str(scenario).endswith(".sh") else f"{scenario}.sh")
    if not path.exists():
        raise FileNotFoundError(f"no scenario {scenario}")
    return path.resolve()


def qemu_argv(share: Path, append: str) -> list:
    accel = os.environ.get("WELKOM_VM_ACCEL", "tcg")
    accel_args = ["-accel", "kvm", "-cpu", "host"] if accel == "kvm" else ["-accel", "tcg,thread=multi", "-cpu", "max"]
    return ["qemu-system-x86_64", *accel_args,
            "-smp", os.environ.get("WELKOM_VM_CPUS", "1"), "-m", os.environ.get("WELKOM_VM_MEMORY", "1536"),
            "-nographic", "-no-reboot", "-nic", "none",
            "-kernel", str(KERNEL_DIR / "vmlinux"), "-initrd", str(KERNEL_DIR / "initramfs.cpio"),
            "-append", append,
            "-fsdev", "local,id=hostroot,path=/,security_model=passthrough,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-fsdev", f"local,id=share,path={share},security_model=none,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=share,mount_tag=share"]


def run_guest(scenario, env=None, timeout: float = 240, keep: Path = None, init: str = None) -> GuestResult:
    """Boots a guest, runs `scenario` in it, and returns what it left. `init`: a PID 1 other than the
    rig's stage 2 (e.g. /lib/systemd/systemd), which then runs stage 2 as a unit. The share and the
    console log are moved to `keep`; without it they stay in a temporary directory
    (`result.share.parent`) for the caller to remove."""
    version = kernel_version()
    path = scenario_path(scenario)
    # The guest mounts fresh tmpfs on /tmp and /var/tmp (initramfs_init.sh says why), so a checkout or
    # venv there is invisible to it: say so now rather than let the scenario time out not finding them.
    rig_python = os.environ.get("WELKOM_RIG_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
    for name, where in (("the project", ROOT), ("the scenario", path), ("WELKOM_RIG_PYTHON", Path(rig_python))):
        absolute = Path(os.path.abspath(where))
        if absolute.parts[:2] == ("/", "tmp") or absolute.parts[:3] == ("/", "var", "tmp"):
            raise RuntimeError(f"the kernel rig cannot run {name} from {absolute}: the guest sees its own empty "
                               "/tmp and /var/tmp, not the host's; clone the project elsewhere (e.g. under /work or $HOME)")
    work = Path(tempfile.mkdtemp(prefix="welkom-vm-"))
    share = work / "share"
    share.mkdir()
    os.chmod(share, 0o777)
    values = {
        "SCENARIO": str(path), "KVM_DIR": str(HERE), "ROOT": str(ROOT), "ANNA_KEY": ANNA_KEY,
        "RIG_PYTHON": os.environ.get("WELKOM_RIG_PYTHON", str(ROOT / ".venv" / "bin" / "python")),
        "WELKOM_BIN": os.environ.get("WELKOM_BIN", str(ROOT / ".build" / "debug" / "welkom")),
    }
    values.update(env or {})
    # A snapshot of the binary in the share: the guest reads the host's tree live, and a build
    # finishing during a boot (a shared tree) would swap the binary under a running process.
    snapshot = share / "bin" / "welkom"
    snapshot.parent.mkdir()
    shutil.copy2(values["WELKOM_BIN"], snapshot)
    values["WELKOM_BIN"] = "/vmshare/bin/welkom"
    (share / "env").write_text("".join(f"export {k}='{v}'\n" for k, v in values.items()))
    append = " ".join([
        "console=ttyS0", "quiet", "loglevel=4", "panic=-1", "mitigations=off", "tsc=reliable",
        f"welkom.modules={KERNEL_DIR.resolve()}/root/lib/modules/{version}",
        f"welkom.stage2={HERE / 'guest_stage2.sh'}",
        *([f"welkom.init={init}", "systemd.unit=multi-user.target",
           "systemd.show_status=error"] + [f"systemd.mask={unit}" for unit in SYSTEMD_MASKED] if init else []),
    ])
    console_path = work / "console.log"
    started = time.monotonic()
    with open(console_path, "wb") as console:
        qemu = subprocess.Popen(qemu_argv(share, append), stdin=subprocess.DEVNULL, stdout=console,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            qemu.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            qemu.terminate()
            try:
                qemu.wait(timeout=10)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()
    seconds = time.monotonic() - started

    def read(name):
        p = share / name
        return p.read_text(errors="replace") if p.exists() else ""

    code_text = read("exit_code").strip()
    result = GuestResult(exit_code=int(code_text) if code_text else 124, stdout=read("stdout"), stderr=read("stderr"),
                         dmesg=read("dmesg"), console=console_path.read_text(errors="replace"), share=share,
                         seconds=seconds, timings=read("timings"))
    if keep:
        keep = Path(keep)
        if keep.exists():
            shutil.rmtree(keep)
        shutil.move(str(work), str(keep))
        result.share = keep / "share"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--keep", metavar="DIR", help="copy the share and the console log here")
    parser.add_argument("--init", help="boot with this PID 1 instead of the rig's stage 2")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    result = run_guest(args.scenario, env=env, timeout=args.timeout, keep=args.keep, init=args.init)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    print(f"run_guest: exit {result.exit_code} after {result.seconds:.1f} s\n{result.timings}", file=sys.stderr)
    if result.exit_code == 124:
        print(result.console[-4000:], file=sys.stderr)
    if not args.keep:
        shutil.rmtree(result.share.parent, ignore_errors=True)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
