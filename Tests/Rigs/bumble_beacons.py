#!/usr/bin/env python3
"""Bumble advertisers for Welkom's other identifier schemes (docs/identifiers.md, Eddystone-EID and RPAs).

Like bumble_store.py, one Bumble `Controller` is exposed to the agent over H4 (`--pty PATH` or
`--tcp PORT`); other controllers on the same `LocalLink` carry advertising `Device`s:

  --rpa-irk HEX        (repeatable) a fob whose address is an RPA made from this IRK (32 hex digits,
                       most significant byte first as the spec prints it); Bumble generates it with
                       hci.Address.generate_private_address, which takes the IRK little-endian
  --eid KEY:K:EPOCH    (repeatable) an Eddystone-EID beacon: identity key, rotation exponent, the
                       Unix time its counter read 0; its EID is recomputed when the period turns
  --stranger-rpas N    N fobs with RPAs of random IRKs (never enrolled)
  --stranger-eids N    N EID beacons with random identity keys (never enrolled)
  --ibeacon UUID:MAJOR:MINOR  (repeatable) an iBeacon (a static identifier, invariant 7)
  --wlk1-key HEX       (repeatable) a WLK1 fob with this beacon key (bumble_store.py's advertiser)
  --stranger-ibeacons N  N iBeacons with random UUIDs (never enrolled)
  --identifiers-file P write every stranger's address (12 hex digits), current EID (16) and iBeacon
                       UUID (32) here, one a line, so a test can look for them where they must not be

Instead of exposing a controller, `--capture PATH --seconds S` records S seconds of a passive scan
of all these advertisers from the host side as a btsnoop file (as bumble_capture.py does for WLK1
alone), for `welkom replay`; it prints `WROTE PATH` when the file is complete and closed.
Each enrolled fob's RPA is printed as `RPA IRK ADDRESS` (hex, most significant byte first).

Every RPA is checked here against an independent ah (the `cryptography` package, spec byte order)
and the EID code against the spec's vectors, before anything advertises. Prints `READY` once
every device advertises; SIGTERM removes the pty link and exits 0.
"""
import argparse
import asyncio
import os
import secrets
import signal
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bumble_store import check_spec_vectors as wlk1_self_check, start_advertiser  # noqa: E402  (one WLK1 implementation)


def aes(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def ah(irk: bytes, prand: bytes) -> bytes:
    """Spec order: the IRK and prand most significant byte first; the hash is the last 3 bytes."""
    return aes(irk, bytes(13) + prand)[13:]


def eid(key: bytes, k: int, counter: int) -> bytes:
    temp = aes(key, bytes(11) + b"\xff" + bytes(2) + struct.pack(">H", counter >> 16))
    return aes(temp, bytes(11) + bytes([k]) + struct.pack(">I", counter & ~((1 << k) - 1) & 0xFFFFFFFF))[:8]


def eid_payload(value: bytes, tx_power: int = -20) -> bytes:
    return bytes.fromhex("0201060303aafe0d16aafe30") + struct.pack("b", tx_power) + value


def check_spec_vectors() -> None:
    key = bytes(range(16))
    for counter, want in ((65280, "3439c83a6564bfdf"), (1000000, "47e10fa56389d60e")):
        if eid(key, 10, counter).hex() != want:
            sys.exit(f"bumble_beacons: EID self-check failed at counter {counter}")
    if ah(bytes.fromhex("ec0234a357c8ad05341010a60a397d9b"), bytes.fromhex("708194")).hex() != "0dfbaa":
        sys.exit("bumble_beacons: ah self-check failed")


def rpa_for(irk: bytes):
    """An RPA from Bumble, cross-checked with our own ah; returns (bumble Address, 12 hex digits MSB first)."""
    from bumble import hci

    address = hci.Address.generate_private_address(irk[::-1])  # Bumble keeps IRKs little-endian
    msb_first = bytes(address)[::-1]  # Bumble keeps addresses little-endian too
    if msb_first[0] >> 6 != 0b01 or ah(irk, msb_first[:3]) != msb_first[3:]:
        sys.exit("bumble_beacons: Bumble's RPA does not resolve with the spec's ah: byte order wrong")
    return address, msb_first.hex()


def parse_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise argparse.ArgumentTypeError(f"a key is 32 hex digits, got {text!r}")
    return key


def parse_eid(text: str):
    parts = text.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"--eid wants KEY:K:EPOCH, got {text!r}")
    k = int(parts[1])
    if not 0 <= k <= 15:
        raise argparse.ArgumentTypeError("K must be 0…15")
    return parse_key(parts[0]), k, int(parts[2])


def parse_ibeacon(text: str):
    parts = text.split(":")
    try:
        uuid = bytes.fromhex(parts[0].replace("-", ""))
        major, minor = int(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        uuid, major, minor = b"", -1, -1
    if len(parts) != 3 or len(uuid) != 16 or not 0 <= major <= 0xFFFF or not 0 <= minor <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"--ibeacon wants UUID:MAJOR:MINOR, got {text!r}")
    return uuid, major, minor


def ibeacon_payload(beacon, tx_power: int = -59) -> bytes:
    uuid, major, minor = beacon
    return bytes.fromhex("0201061aff4c000215") + uuid + struct.pack(">HHb", major, minor, tx_power)


def current_eid(beacon) -> bytes:
    key, k, epoch = beacon
    return eid(key, k, int(time.time()) - epoch)


async def advertiser(link, index: int, address, data: bytes, interval_ms: float):
    from bumble.controller import Controller
    from bumble.device import AdvertisingEventProperties, AdvertisingParameters, Device
    from bumble.host import Host
    from bumble.transport.common import AsyncPipeSink

    controller = Controller(f"beacon{index}", link=link)
    device = Device(address=address, host=Host(controller, AsyncPipeSink(controller)))
    await device.power_on()
    parameters = AdvertisingParameters(
        advertising_event_properties=AdvertisingEventProperties(is_connectable=False, is_scannable=False, is_legacy=True),
        primary_advertising_interval_min=interval_ms,
        primary_advertising_interval_max=interval_ms,
    )
    return controller, device, await device.create_advertising_set(
        advertising_parameters=parameters, random_address=address, advertising_data=data, auto_start=True)


async def rotate_eids(sets) -> None:
    """Re-advertise each beacon's EID whenever it changes (checked every half second)."""
    while True:
        await asyncio.sleep(0.5)
        for beacon, adv_set, last in sets:
            now = current_eid(beacon)
            if now != last[0]:
                last[0] = now
                await adv_set.set_advertising_data(eid_payload(now))


async def run(args) -> int:
    from bumble import hci
    from bumble.controller import Controller
    from bumble.link import LocalLink
    from bumble.transport import open_transport

    link = LocalLink()
    transport = None
    if not args.capture:
        transport = await open_transport(f"pty:{args.pty}" if args.pty else f"tcp-server:127.0.0.1:{args.tcp}")
        Controller("exposed", host_source=transport.source, host_sink=transport.sink, link=link)

    stranger_irks = [secrets.token_bytes(16) for _ in range(args.stranger_rpas)]
    stranger_eids = [(secrets.token_bytes(16), 4, int(time.time()) - 100_000) for _ in range(args.stranger_eids)]
    identifiers = []
    index = 0
    plain = bytes.fromhex("020106020a00")  # flags and TX power: no scheme's evidence, only the address
    for irk in list(args.rpa_irk) + stranger_irks:
        address, text = rpa_for(irk)
        if irk in stranger_irks:
            identifiers.append(text)
        else:
            print(f"RPA {irk.hex()} {text}", flush=True)  # an enrolled fob's address, for the test to look for
        await advertiser(link, index, address, plain, args.interval_ms)
        index += 1
    rotations = []
    for beacon in list(args.eid) + stranger_eids:
        value = current_eid(beacon)
        if beacon in stranger_eids:
            identifiers.append(value.hex())
        _, _, adv_set = await advertiser(link, index, hci.Address.generate_static_address(), eid_payload(value),
                                         args.interval_ms)
        rotations.append((beacon, adv_set, [value]))
        index += 1
    stranger_ibeacons = [(secrets.token_bytes(16), 1, 1) for _ in range(args.stranger_ibeacons)]
    for beacon in list(args.ibeacon) + stranger_ibeacons:
        if beacon in stranger_ibeacons:
            identifiers.append(beacon[0].hex())
        await advertiser(link, index, hci.Address.generate_static_address(), ibeacon_payload(beacon), args.interval_ms)
        index += 1
    for key in args.wlk1_key:
        await start_advertiser(link, index, key, 0xFFFF, args.interval_ms)
        index += 1
    if args.identifiers_file:
        with open(args.identifiers_file, "w") as f:
            f.write("".join(i + "\n" for i in identifiers))
    rotation = asyncio.create_task(rotate_eids(rotations))
    if args.capture:
        await capture(link, args.capture, args.seconds)
        rotation.cancel()
        return 0

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("READY", flush=True)
    await stop.wait()
    rotation.cancel()
    await transport.close()
    if args.pty:
        try:
            os.unlink(args.pty)
        except FileNotFoundError:
            pass
    return 0


async def capture(link, path: str, seconds: float) -> None:
    """A passive scan on its own controller, recorded from the host side (the directions right)."""
    from bumble import hci
    from bumble.controller import Controller
    from bumble.device import Device
    from bumble.host import Host
    from bumble.snoop import BtSnooper
    from bumble.transport.common import AsyncPipeSink

    controller = Controller("scanner", link=link)
    host = Host(controller, AsyncPipeSink(controller))
    with open(path, "wb") as output:
        host.snooper = BtSnooper(output)
        scanner = Device(address=hci.Address.generate_static_address(), host=host)
        await scanner.power_on()
        await scanner.start_scanning(active=False, filter_duplicates=False)
        await asyncio.sleep(seconds)
        await scanner.stop_scanning()
        host.snooper = None
    print(f"WROTE {path}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty")
    where.add_argument("--tcp", type=int)
    where.add_argument("--capture", metavar="PATH", help="record a btsnoop of a scan instead of exposing a controller")
    parser.add_argument("--seconds", type=float, default=3.0, help="with --capture: how long to scan")
    parser.add_argument("--rpa-irk", type=parse_key, action="append", default=[], metavar="HEX")
    parser.add_argument("--eid", type=parse_eid, action="append", default=[], metavar="KEY:K:EPOCH")
    parser.add_argument("--ibeacon", type=parse_ibeacon, action="append", default=[], metavar="UUID:MAJOR:MINOR")
    parser.add_argument("--wlk1-key", type=parse_key, action="append", default=[], metavar="HEX")
    parser.add_argument("--stranger-ibeacons", type=int, default=0, metavar="N")
    parser.add_argument("--stranger-rpas", type=int, default=0, metavar="N")
    parser.add_argument("--stranger-eids", type=int, default=0, metavar="N")
    parser.add_argument("--identifiers-file", metavar="PATH")
    parser.add_argument("--interval-ms", type=float, default=100.0)
    args = parser.parse_args()
    check_spec_vectors()
    if args.wlk1_key:
        wlk1_self_check()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
