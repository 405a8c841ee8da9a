"""A large btsnoop capture (datalink 1002, H4) written fast and without Bumble: legacy LE
Advertising Report events carrying WLK1 frames, almost all from strangers (random tokens) and
one in `--every` from an enrolled fob whose tokens `welkom token` computed. For replay tests and
benchmarks that need millions of reports; Bumble's own captures cover the controller's quirks.

    synth_capture.py --output F --reports N --rate R --start UNIX --enrolled-payload WINDOW=HEX ...
"""

import argparse
import os
import random
import struct

BTSNOOP_UNIX_EPOCH_US = 0x00DCDDB30F2F8000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--output", required=True)
    p.add_argument("--reports", type=int, required=True)
    p.add_argument("--rate", type=float, default=2000.0, help="reports per second of capture time")
    p.add_argument("--start", type=float, required=True, help="Unix time of the first report")
    p.add_argument("--every", type=int, default=1000, help="one enrolled report in this many")
    p.add_argument("--enrolled-payload", action="append", default=[],
                   help="WINDOW=HEX: the enrolled fob's advertising payload in that ten-minute window")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    enrolled = {int(w): bytes.fromhex(h) for w, h in (x.split("=", 1) for x in a.enrolled_payload)}
    template = next(iter(enrolled.values()))  # the same frame layout, the token being its last 16 bytes
    rng = random.Random(a.seed)
    step_us = int(1e6 / a.rate)
    t0 = int(a.start * 1e6) + BTSNOOP_UNIX_EPOCH_US
    enrolled_count = 0
    with open(a.output, "wb", buffering=1 << 20) as f:
        f.write(b"btsnoop\0" + struct.pack(">II", 1, 1002))
        for i in range(a.reports):
            ts = t0 + i * step_us
            if i % a.every == a.every - 1:
                window = int(((ts - BTSNOOP_UNIX_EPOCH_US) / 1e6) // 600)
                data = enrolled[window]
                enrolled_count += 1
            else:
                data = template[:-16] + rng.randbytes(16)
            address = rng.randbytes(6)
            report = bytes([0x00, 0x01]) + address + bytes([len(data)]) + data + bytes([0xC4])  # RSSI -60
            event = bytes([0x02, 0x01]) + report
            packet = bytes([0x04, 0x3E, len(event)]) + event
            f.write(struct.pack(">IIIIq", len(packet), len(packet), 1 | 2, 0, ts) + packet)
    print(f"WROTE {a.output} reports={a.reports} enrolled={enrolled_count} bytes={os.path.getsize(a.output)}")


if __name__ == "__main__":
    main()
