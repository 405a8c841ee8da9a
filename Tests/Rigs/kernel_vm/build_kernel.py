#!/usr/bin/env python3
"""Builds the real-kernel rig's guest: a Debian kernel (never installed on the host) and a tiny
initramfs that mounts the host's / read-only over 9p under a tmpfs overlay.

    build_kernel.py [--dir .build-kernel]

Steps, each skipped when its output is already there (a cached step of `make test`):
  1. `apt-get download` the kernel package `linux-image-amd64` depends on, `dpkg-deb -x` it into
     DIR/root and `depmod -b` it there;
  2. DIR/vmlinux: the uncompressed ELF from vmlinuz (the xz stream at FD 37 7A 58 5A 00). qemu boots
     it through its PVH entry, skipping the decompressor, which is very slow under TCG;
  3. DIR/initramfs.cpio: static busybox, the virtio, 9p and overlay modules and `init`
     (Tests/Rigs/kernel_vm/initramfs_init.sh).

Prints `KERNEL VERSION`, the version built, and writes it to DIR/version.
Needs Debian's busybox-static and kmod (depmod, modprobe), and apt-get.
"""
import argparse
import io
import lzma
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The modules the initramfs loads, in dependency order as `modprobe --show-depends` lists them.
INITRAMFS_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]


def kernel_package() -> str:
    out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)", out)
    if not match:
        sys.exit(f"build_kernel: cannot tell which kernel linux-image-amd64 depends on:\n{out}")
    return match.group(1)


def fetch_and_unpack(work: Path, package: str) -> str:
    version = package.removeprefix("linux-image-")
    root = work / "root"
    if (root / "lib" / "modules" / version / "modules.dep").exists():
        return version
    debs = list(work.glob(f"{package}_*.deb"))
    if not debs:
        # apt drops privileges to _apt for downloads; a directory it cannot write makes it warn and carry on as root.
        subprocess.run(["apt-get", "download", "-q", package], cwd=work, check=True)
        debs = list(work.glob(f"{package}_*.deb"))
    if root.exists():
        shutil.rmtree(root)
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True)
    subprocess.run(["depmod", "-b", str(root), version], check=True)
    return version


def extract_vmlinux(work: Path, version: str) -> Path:
    out = work / "vmlinux"
    if out.exists():
        return out
    blob = (work / "root" / "boot" / f"vmlinuz-{version}").read_bytes()
    start = blob.find(b"\xfd7zXZ\x00")
    if start < 0:
        sys.exit("build_kernel: no xz stream in vmlinuz")
    # The stream is followed by other bytes; the decompressor stops at its end.
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(blob[start:])
    if elf[:4] != b"\x7fELF":
        sys.exit("build_kernel: the xz stream in vmlinuz is not an ELF")
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(elf)
    tmp.rename(out)
    return out


def module_paths(root: Path, version: str) -> list:
    paths = []
    for module in INITRAMFS_MODULES:
        out = subprocess.run(["modprobe", "-d", str(root), "-S", version, "--show-depends", module],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if parts and parts[0] == "insmod" and parts[1] not in paths:
                paths.append(parts[1])
    return paths


class Cpio:
    """The newc format the kernel unpacks an initramfs from."""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b""):
        name_bytes = name.encode() + b"\0"
        header = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_bytes), 0))
        self.ino += 1
        self.out.write(header.encode() + name_bytes)
        self.out.write(b"\0" * (-(110 + len(name_bytes)) % 4))
        self.out.write(data)
        self.out.write(b"\0" * (-len(data) % 4))

    def directory(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data: bytes, mode=0o755):
        self._entry(name, 0o100000 | mode, data)

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self.out.getvalue()


def build_initramfs(work: Path, version: str) -> Path:
    out = work / "initramfs.cpio"
    init = (HERE / "initramfs_init.sh").read_bytes()
    stamp = work / "initramfs.stamp"
    # Rebuilt when init changes (cheap: a few hundred kilobytes).
    if out.exists() and stamp.exists() and stamp.read_bytes() == init:
        return out
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        sys.exit("build_kernel: needs a static /bin/busybox (Debian busybox-static)")
    cpio = Cpio()
    for d in ("bin", "dev", "proc", "sys", "mnt", "mnt/lower", "mnt/rw", "mnt/root", "modules"):
        cpio.directory(d)
    cpio.file("bin/busybox", busybox.read_bytes())
    cpio.file("init", init)
    names = []
    for index, path in enumerate(module_paths(work / "root", version)):
        name = f"modules/{index:02d}-{Path(path).name}"
        cpio.file(name, Path(path).read_bytes(), 0o644)
        names.append(name)
    cpio.file("modules/order", ("\n".join(names) + "\n").encode(), 0o644)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(cpio.finish())
    tmp.rename(out)
    stamp.write_bytes(init)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(HERE.parents[2] / ".build-kernel"))
    args = parser.parse_args()
    work = Path(args.dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    version = fetch_and_unpack(work, kernel_package())
    extract_vmlinux(work, version)
    build_initramfs(work, version)
    (work / "version").write_text(version + "\n")
    print(f"KERNEL {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
