#!/usr/bin/env python3
"""Has BlueZ's own btmon write a monitor capture (btsnoop datalink 2001), for Welkom's tests.

btmon writes captures from the kernel's monitor socket (`btmon -w`), which a machine without
Bluetooth in its kernel does not have. It also reads the same monitor records from a serial line
(`btmon -d TTY -w FILE`, BlueZ's TTY monitor protocol, which Zephyr speaks over a UART), and
writes those into its capture just the same. So: a pty, btmon on its far end, and every record of
an H4 capture (datalink 1002) sent down it as a TTY monitor frame — opcode from the H4 type and
direction, a 32-bit timestamp extension header in tenths of a millisecond (without one btmon
shows the packet but does not write it). btmon puts each controller at index 0 and counts the
timestamps from the Unix epoch, so the capture's times lie in January 1970, the gaps between
records kept.

  btmon_tty_capture.py --input scan.btsnoop --output btmon.btsnoop

Prints `WROTE PATH RECORDS` once btmon has written every record and stopped.
"""
import argparse
import os
import pty
import struct
import subprocess
import sys
import time
import tty

# BlueZ's monitor opcodes for (H4 type, controller → host).
OPCODES = {(1, False): 2, (4, True): 3, (2, False): 4, (2, True): 5, (3, False): 6, (3, True): 7,
           (5, False): 18, (5, True): 19}
TTY_EXTHDR_TS32 = 8


def h4_records(raw: bytes):
    assert raw[:8] == b"btsnoop\0" and struct.unpack(">II", raw[8:16]) == (1, 1002), "an H4 (1002) capture"
    offset = 16
    while offset + 24 <= len(raw):
        _, included, flags, _, timestamp = struct.unpack(">IIIIq", raw[offset:offset + 24])
        if offset + 24 + included > len(raw):
            break
        yield flags, timestamp, raw[offset + 24:offset + 24 + included]
        offset += 24 + included


def frame(opcode: int, payload: bytes, tenths_of_ms: int) -> bytes:
    ext = bytes([TTY_EXTHDR_TS32]) + struct.pack("<I", tenths_of_ms)
    return struct.pack("<HHBB", 4 + len(ext) + len(payload), opcode, 0, len(ext)) + ext + payload


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    frames, expected = [], 16
    new_index = bytes([0x00, 0x03]) + bytes(6) + b"hci0\0\0\0\0"  # primary, UART, no address
    frames.append(frame(0, new_index, 10_000))
    expected += 24 + len(new_index)
    first = None
    for flags, timestamp, packet in h4_records(open(args.input, "rb").read()):
        opcode = OPCODES.get((packet[0], bool(flags & 1))) if packet else None
        if opcode is None:
            continue
        first = timestamp if first is None else first
        frames.append(frame(opcode, packet[1:], 10_000 + (timestamp - first) // 100))
        expected += 24 + len(packet) - 1

    master, slave = pty.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    btmon = subprocess.Popen(["btmon", "-d", os.ttyname(slave), "-w", args.output, "-P"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # btmon writes the file header once it has opened the tty.
        deadline = time.monotonic() + 30
        while not (os.path.exists(args.output) and os.path.getsize(args.output) >= 16):
            if btmon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"btmon did not start: {btmon.stderr.read().decode(errors='replace')}")
            time.sleep(0.05)
        for f in frames:
            os.write(master, f)
        deadline = time.monotonic() + 60
        while os.path.getsize(args.output) < expected:
            if btmon.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"btmon wrote {os.path.getsize(args.output)} of {expected} bytes")
            time.sleep(0.05)
    finally:
        btmon.terminate()
        btmon.wait(timeout=10)
    size = os.path.getsize(args.output)
    if size != expected:
        raise SystemExit(f"btmon wrote {size} bytes, expected {expected}")
    print(f"WROTE {args.output} {len(frames)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
