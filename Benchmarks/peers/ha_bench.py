"""Home Assistant's resolver and parser on exactly the workloads of RecogniserBenchmarks.

`make bench` runs this after the Swift benchmarks. The IRKs, addresses and advertising reports come
from the same SplitMix64 seeds as Benchmarks/RecogniserBenchmarks/Workloads.swift, so both sides
do the same work:
  - RPA: bluetooth_data_tools.resolve_private_address(get_cipher_for_irk(irk), address) for every
    (IRK, address) pair — what HA's private_ble_device does for each new address;
  - AD parsing: parse_advertisement_data_tuple((report,)) over 1,000 distinct reports cycled, more
    than its 256-entry LRU cache holds, so every call parses.
Prints one line per figure.
"""
import time

from bluetooth_data_tools import get_cipher_for_irk, parse_advertisement_data_tuple, resolve_private_address

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed: int) -> None:
        self.state = seed

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def block(rng: SplitMix64) -> bytes:
    hi, lo = rng.next(), rng.next()
    return hi.to_bytes(8, "big") + lo.to_bytes(8, "big")


def irks(count: int = 1000) -> list[bytes]:
    rng = SplitMix64(3)
    return [block(rng) for _ in range(count)]


def addresses(count: int = 1000) -> list[str]:
    rng = SplitMix64(4)
    out = []
    for _ in range(count):
        v = (rng.next() & 0x3FFFFFFFFFFF) | 0x400000000000
        out.append(":".join(f"{(v >> (40 - 8 * i)) & 0xFF:02X}" for i in range(6)))
    return out


def reports() -> list[bytes]:
    rng = SplitMix64(5)

    def some(n: int) -> bytes:
        return bytes(rng.next() & 0xFF for _ in range(n))

    out = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:
            out.append(bytes.fromhex("02010615ffffff5701") + block(rng))
        elif kind == 1:
            eid = rng.next()
            out.append(bytes.fromhex("0201060303aafe0d16aafe30ec") + eid.to_bytes(8, "big"))
        elif kind == 2:
            out.append(bytes.fromhex("0201061aff4c000215") + some(21))
        else:
            out.append(bytes.fromhex("02011a0909") + some(8) + bytes.fromhex("03030f18"))
    return out


def rate(label: str, unit: str, count: int, seconds: float) -> None:
    print(f"{label}: {count / seconds / 1e6:.3f} M {unit}/s ({count} in {seconds:.3f} s)")


def main() -> None:
    ciphers = [get_cipher_for_irk(k) for k in irks()[:100]]
    addrs = addresses()
    start = time.perf_counter()
    for a in addrs:
        for c in ciphers:
            resolve_private_address(c, a)
    rate("Home Assistant resolve_private_address (100 IRKs x 1,000 addresses)", "trials",
         len(ciphers) * len(addrs), time.perf_counter() - start)

    data = [(r,) for r in reports()]
    passes = 300
    start = time.perf_counter()
    for _ in range(passes):
        for d in data:
            parse_advertisement_data_tuple(d)
    rate("Home Assistant parse_advertisement_data_tuple (1,000 distinct reports)", "reports",
         passes * len(data), time.perf_counter() - start)


if __name__ == "__main__":
    main()
