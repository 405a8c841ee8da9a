#!/usr/bin/python3
"""A live USB keyboard-wedge scanner for the card-reader tests, answered by umockdev's GObject
ioctl API instead of a `.ioctl` replay (docs/test-rigs.md, umockdev: a replay cannot emulate a kernel
driver, EBUSY, timeouts or a URB left in flight).

    /usr/bin/python3 Tests/Rigs/umockdev_usb_harness.py --device card-readers.umockdev \
        --node /dev/bus/usb/001/005 --driver usbhid --events events.log \
        --type 8712345678906 --silence 1.0 --type $'96385074\n' -- PROGRAM ARGS...

It builds a umockdev test bed from `--device`, attaches a handler to `--node` and runs PROGRAM
with UMOCKDEV_DIR and LD_PRELOAD=libumockdev-preload.so.0, so libusb in PROGRAM talks to it.
The handler behaves like the kernel's usbfs for one HID interface:
- `--held-for S`: another program holds interface 0 through usbfs for S seconds after the
  first open (GETDRIVER says "usbfs", CLAIMINTERFACE fails with EBUSY), then lets it go.
- `--driver NAME` binds a kernel driver to interface 0: GETDRIVER names it, CLAIMINTERFACE
  fails with EBUSY until it is detached (USBDEVFS_IOCTL/USBDEVFS_DISCONNECT), and
  USBDEVFS_IOCTL/USBDEVFS_CONNECT binds it again.
- Interrupt IN URBs stay in flight until the scenario has a report due; a URB the program
  discards (libusb's transfer timeout) is reaped with -ENOENT, as the kernel does.
- `--type TEXT` presses and releases one key per character (US layout; a newline character
  is Enter, a tab character Tab)
  every `--key-interval` seconds; `--silence S` sends nothing for S seconds. The timeline starts
  at the first interrupt URB, so the program's start-up time does not matter.
Every usbfs call of interest is written to `--events` as one line (`detach usbhid`,
`claim EBUSY`, `deliver 3`, `discard`…) for the test to check. Exit status: PROGRAM's.

Written by hand: umockdev ships no usbdevfs emulator with a live kernel driver and timeouts,
only record/replay (its .ioctl and pcap handlers).
"""

import argparse
import errno
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

# usbdevfs requests on x86-64/aarch64 (linux/usbdevice_fs.h); _IOC(dir, 'U', nr, size).
def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (ord("U") << 8) | nr

NONE, WRITE, READ = 0, 1, 2
GETDRIVER = _ioc(WRITE, 8, 260)
SUBMITURB = _ioc(READ, 10, 56)
DISCARDURB = _ioc(NONE, 11, 0)
REAPURB = _ioc(WRITE, 12, 8)
REAPURBNDELAY = _ioc(WRITE, 13, 8)
CLAIMINTERFACE = _ioc(READ, 15, 4)
RELEASEINTERFACE = _ioc(READ, 16, 4)
USBIOCTL = _ioc(READ | WRITE, 18, 16)
RESET = _ioc(NONE, 20, 0)
CLEAR_HALT = _ioc(READ, 21, 4)
DISCONNECT = _ioc(NONE, 22, 0)
CONNECT = _ioc(NONE, 23, 0)
GET_CAPABILITIES = _ioc(READ, 26, 4)
DISCONNECT_CLAIM = _ioc(READ, 27, 264)
GET_SPEED = _ioc(NONE, 31, 0)

CAP_ZERO_PACKET, CAP_BULK_CONTINUATION, CAP_NO_PACKET_SIZE_LIM = 0x01, 0x02, 0x04
URB_TYPE_INTERRUPT = 1
# struct usbdevfs_urb: type u8, endpoint u8, status i32 @4, flags u32 @8, buffer ptr @16,
# buffer_length i32 @24, actual_length i32 @28, … 56 bytes.
URB_SIZE, URB_STATUS, URB_BUFFER, URB_LENGTH, URB_ACTUAL = 56, 4, 16, 24, 28

# Boot keyboard usages of the US layout: what a scanner set to "us" presses.
US = {**{c: (0x04 + i, False) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
      **{c.upper(): (0x04 + i, True) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
      **{c: (0x1E + i, False) for i, c in enumerate("1234567890")},
      "\n": (0x28, False), "\t": (0x2B, False)}


class Timeline:
    """The reports the scanner sends, each due at an offset from the first interrupt URB."""

    def __init__(self, steps, key_interval):
        self.reports = []  # (offset seconds, 8 bytes)
        t = 0.0
        for kind, value in steps:
            if kind == "silence":
                t += value
                continue
            for c in value:
                if c not in US:
                    raise SystemExit(f"umockdev_usb_harness: --type: no US key types {c!r}")
                usage, shift = US[c]
                t += key_interval
                self.reports.append((t, bytes([0x02 if shift else 0, 0, usage, 0, 0, 0, 0, 0])))
                t += key_interval
                self.reports.append((t, bytes(8)))
        self.start = None
        self.sent = 0

    def due(self, now):
        """The next report if it is due now, else None."""
        if self.start is None or self.sent >= len(self.reports):
            return None
        offset, report = self.reports[self.sent]
        if now - self.start < offset:
            return None
        self.sent += 1
        return report


class Scanner(UMockdev.IoctlBase):
    """usbfs for one keyboard-wedge scanner with a kernel driver on interface 0."""

    def __init__(self, driver, held_for, timeline, events):
        super().__init__()
        self.held_for = held_for      # seconds another usbfs client holds the interface
        self.held_until = None
        self.driver = driver          # the bound kernel driver, None once detached
        self.original = driver
        self.timeline = timeline
        self.events = events
        self.lock = threading.Lock()
        self.in_flight = []           # submitted URBs: (urb IoctlData, buffer IoctlData, endpoint)
        self.discarded = []
        self.claimed = False
        self.unhandled = set()

    def note(self, text):
        self.events.write(f"{time.monotonic():.3f} {text}\n")
        self.events.flush()

    def do_client_connected(self, client):
        with self.lock:
            if self.held_until is None:
                self.held_until = time.monotonic() + self.held_for
            self.note("open")

    def held(self):
        return time.monotonic() < self.held_until

    def do_handle_ioctl(self, client):
        with self.lock:
            try:
                return self.handle(client)
            except Exception as e:  # a harness bug must show, not hang the child
                self.note(f"harness-error {e!r}")
                client.complete(-1, errno.EIO)
                return True

    def handle(self, client):
        request, arg = client.get_request(), client.get_arg()
        if request == GET_CAPABILITIES:
            arg.resolve(0, 4).update(0, struct.pack("<I", CAP_ZERO_PACKET | CAP_BULK_CONTINUATION
                                                    | CAP_NO_PACKET_SIZE_LIM))
            client.complete(0, 0)
        elif request == GETDRIVER:
            block = arg.resolve(0, 260)
            interface = struct.unpack_from("<I", bytes(block.retrieve()))[0]
            if interface == 0 and self.held():
                self.note("getdriver usbfs")
                block.update(4, b"usbfs\0")
                client.complete(0, 0)
            elif interface != 0 or self.driver is None:
                self.note("getdriver none")
                client.complete(-1, errno.ENODATA)
            else:
                self.note(f"getdriver {self.driver}")
                block.update(4, self.driver.encode() + b"\0")
                client.complete(0, 0)
        elif request == USBIOCTL:
            block = arg.resolve(0, 16)
            interface, code = struct.unpack_from("<ii", bytes(block.retrieve()))
            if code == DISCONNECT:
                if self.driver is None or self.held():
                    self.note("detach none")
                    client.complete(-1, errno.ENODATA)
                else:
                    self.note(f"detach {self.driver}")
                    self.driver = None
                    client.complete(0, 0)
            elif code == CONNECT:
                if self.claimed:
                    self.note("attach EBUSY")
                    client.complete(-1, errno.EBUSY)
                else:
                    self.driver = self.original
                    self.note(f"attach {self.driver}")
                    client.complete(1, 0)  # the kernel returns 1: a driver was bound
            else:
                self.note(f"usbioctl unhandled 0x{code:x}")
                client.complete(-1, errno.ENOTTY)
        elif request == CLAIMINTERFACE:
            if self.driver is not None or self.held():
                self.note("claim EBUSY")
                client.complete(-1, errno.EBUSY)
            else:
                self.claimed = True
                self.note("claim ok")
                client.complete(0, 0)
        elif request == RELEASEINTERFACE:
            self.claimed = False
            self.note("release")
            client.complete(0, 0)
        elif request == DISCONNECT_CLAIM:
            # libusb's auto-detach; the readers detach explicitly, so seeing this is a finding.
            self.note("disconnect-claim")
            client.complete(-1, errno.ENOTTY)
        elif request == SUBMITURB:
            urb = arg.resolve(0, URB_SIZE)
            raw = bytes(urb.retrieve())
            kind, endpoint = raw[0], raw[1]
            length = struct.unpack_from("<i", raw, URB_LENGTH)[0]
            if kind != URB_TYPE_INTERRUPT or endpoint != 0x81 or not self.claimed:
                self.note(f"submit refused type={kind} endpoint=0x{endpoint:02x} claimed={self.claimed}")
                client.complete(-1, errno.EINVAL)
                return True
            if self.timeline.start is None:
                self.timeline.start = time.monotonic()
                self.note("first-urb")
            self.in_flight.append((urb, urb.resolve(URB_BUFFER, length), length))
            client.complete(0, 0)
        elif request == DISCARDURB:
            address = struct.unpack_from("<Q", bytes(arg.retrieve()))[0]
            match = next((u for u in self.in_flight if u[0].client_addr == address), None)
            if match is None:
                client.complete(-1, errno.EINVAL)
            else:
                self.in_flight.remove(match)
                self.discarded.append(match)
                self.note("discard")
                client.complete(0, 0)
        elif request in (REAPURB, REAPURBNDELAY):
            self.reap(client, arg)
        elif request in (RESET, CLEAR_HALT):
            client.complete(0, 0)
        elif request == GET_SPEED:
            client.complete(1, 0)  # USB_SPEED_LOW
        else:
            if request not in self.unhandled:
                self.unhandled.add(request)
                self.note(f"unhandled 0x{request:x}")
            client.complete(-1, errno.ENOTTY)
        return True

    def reap(self, client, arg):
        if self.discarded:
            urb, _, _ = self.discarded.pop(0)
            urb.update(URB_STATUS, struct.pack("<i", -errno.ENOENT))
            urb.update(URB_ACTUAL, struct.pack("<i", 0))
        else:
            report = self.timeline.due(time.monotonic()) if self.in_flight else None
            if report is None:
                client.complete(-1, errno.EAGAIN)
                return
            urb, buffer, length = self.in_flight.pop(0)
            data = report[:length]
            buffer.update(0, data)
            urb.update(URB_STATUS, struct.pack("<i", 0))
            urb.update(URB_ACTUAL, struct.pack("<i", len(data)))
            self.note(f"deliver {self.timeline.sent}")
        slot = arg.resolve(0, 8)
        slot.set_ptr(0, urb)
        client.complete(0, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", required=True, help="a .umockdev test bed")
    parser.add_argument("--node", required=True, help="the usbfs node to emulate, /dev/bus/usb/BBB/DDD")
    parser.add_argument("--driver", default=None, help="kernel driver bound to interface 0 at start")
    parser.add_argument("--events", required=True, help="file to write the usbfs events to")
    parser.add_argument("--held-for", type=float, default=0.0,
                        help="seconds another program holds the interface after the first open")
    parser.add_argument("--key-interval", type=float, default=0.004)
    steps = []

    class Step(argparse.Action):
        def __call__(self, parser, namespace, value, option_string=None):
            steps.append(("silence", float(value)) if option_string == "--silence" else ("type", value))

    parser.add_argument("--type", action=Step, help="characters the scanner types")
    parser.add_argument("--silence", action=Step, help="seconds without a report")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no program to run after --")

    testbed = UMockdev.Testbed.new()
    try:
        testbed.add_from_file(options.device)
    except GLib.Error as e:
        raise SystemExit(f"umockdev_usb_harness: {options.device}: {e.message}")
    events = open(options.events, "w", encoding="utf-8")
    scanner = Scanner(options.driver, options.held_for, Timeline(steps, options.key_interval), events)
    testbed.attach_ioctl(options.node, scanner)

    environment = dict(os.environ, UMOCKDEV_DIR=testbed.get_root_dir(),
                       LD_PRELOAD=" ".join(filter(None, ["libumockdev-preload.so.0",
                                                         os.environ.get("LD_PRELOAD")])))
    child = subprocess.Popen(command, env=environment)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    status = child.wait()
    with scanner.lock:
        scanner.note(f"exit {status} sent={scanner.timeline.sent}/{len(scanner.timeline.reports)}")
    events.close()
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
