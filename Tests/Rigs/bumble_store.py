#!/usr/bin/env python3
"""A simulated shop floor for Welkom's radio tests: Google's Bumble as the BLE controller.

One Bumble `Controller` is exposed to the code under test over H4 (`--pty PATH` creates a pty
and links PATH to it, the real UART code path; `--tcp PORT` listens on 127.0.0.1:PORT). Other
controllers on the same `LocalLink` carry `Device`s that advertise WLK1 frames with advertising
sets (Bumble's legacy advertising commands are broken, see docs/test-rigs.md):

  --enrolled-key HEX   (repeatable) a customer's beacon key; its current WLK1 token is advertised
  --strangers N        N devices advertising WLK1 tokens of random keys (never enrolled)

Tokens are computed here, independently of the Swift code, from docs/identifiers.md, WLK1
with the `cryptography` package, checked against the spec's test vectors at start-up, and
re-computed whenever the 10-minute window turns.

Prints `READY` on stdout once every device advertises. SIGTERM (or SIGINT) removes the pty link
and exits 0. `--print-token KEY [--at UNIX]` prints one token and exits (for tests that need the
expected token without starting a controller).
"""
import argparse
import asyncio
import os
import secrets
import signal
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

WINDOW_SECONDS = 600


# ---------------------------------------------------------------------------- WLK1 (docs/identifiers.md)
def wlk1_token(beacon_key: bytes, unix_seconds: float) -> bytes:
    token_key = HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"WLK1-TK").derive(beacon_key)
    window = int(unix_seconds // WINDOW_SECONDS) & 0xFFFFFFFF
    block = b"WLK1" + bytes(8) + struct.pack(">I", window)
    encryptor = Cipher(algorithms.AES(token_key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def wlk1_payload(token: bytes, company: int) -> bytes:
    # flags AD, then manufacturer-specific AD: company id little-endian, 'W', version 1, token
    return bytes([0x02, 0x01, 0x06, 0x15, 0xFF]) + struct.pack("<H", company) + bytes([0x57, 0x01]) + token


def check_spec_vectors() -> None:
    """Refuse to run with a WLK1 implementation that disagrees with the spec."""
    key = bytes(range(16))
    expected = {
        1700000000: "fb7438f19ef470f50bb3dd56d8a2135c",
        1700000599: "8f9db5cc3d34197f11ec04336d601552",
    }
    for at, token in expected.items():
        got = wlk1_token(key, at).hex()
        if got != token:
            sys.exit(f"bumble_store: WLK1 self-check failed at {at}: {got} != {token}")
    payload = wlk1_payload(wlk1_token(key, 1700000000), 0xFFFF).hex()
    if payload != "02010615ffffff5701fb7438f19ef470f50bb3dd56d8a2135c":
        sys.exit(f"bumble_store: WLK1 payload self-check failed: {payload}")


def parse_key(text: str) -> bytes:
    cleaned = text.lower().removeprefix("0x").replace(":", "").replace("-", "")
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        key = b""
    if len(key) != 16:
        raise argparse.ArgumentTypeError(f"a beacon key is 32 hex digits, got {text!r}")
    return key


def parse_company(text: str) -> int:
    value = int(text, 0)
    if not 0 <= value <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"company id out of range: {text}")
    return value


# ---------------------------------------------------------------------------- the simulated store
async def start_advertiser(link, index: int, key: bytes, company: int, interval_ms: float):
    from bumble import hci
    from bumble.controller import Controller
    from bumble.device import AdvertisingEventProperties, AdvertisingParameters, Device
    from bumble.host import Host
    from bumble.transport.common import AsyncPipeSink

    controller = Controller(f"adv{index}", link=link)
    address = hci.Address.generate_static_address()
    device = Device(address=address, host=Host(controller, AsyncPipeSink(controller)))
    await device.power_on()
    parameters = AdvertisingParameters(
        advertising_event_properties=AdvertisingEventProperties(
            is_connectable=False, is_scannable=False, is_legacy=True
        ),
        primary_advertising_interval_min=interval_ms,
        primary_advertising_interval_max=interval_ms,
    )
    advertising_set = await device.create_advertising_set(
        advertising_parameters=parameters,
        random_address=address,
        advertising_data=wlk1_payload(wlk1_token(key, time.time()), company),
        auto_start=True,
    )
    return controller, device, advertising_set


async def rotate_tokens(sets, company: int) -> None:
    """Re-advertise every set with the next window's token when the window turns."""
    while True:
        now = time.time()
        await asyncio.sleep(WINDOW_SECONDS - now % WINDOW_SECONDS + 0.05)
        for key, advertising_set in sets:
            await advertising_set.set_advertising_data(wlk1_payload(wlk1_token(key, time.time()), company))


async def run(args) -> int:
    from bumble import hci
    from bumble.controller import Controller
    from bumble.link import LocalLink
    from bumble.transport import open_transport

    link = LocalLink()
    spec = f"pty:{args.pty}" if args.pty else f"tcp-server:127.0.0.1:{args.tcp}"
    transport = await open_transport(spec)
    exposed = Controller("exposed", host_source=transport.source, host_sink=transport.sink, link=link)
    if args.legacy_reports:
        # Without this feature bit Bumble reports with legacy LE Advertising Report events.
        exposed.le_features = exposed.le_features & ~hci.LeFeatureMask.LE_EXTENDED_ADVERTISING

    strangers = [secrets.token_bytes(16) for _ in range(args.strangers)]
    if args.strangers_tokens_file:
        with open(args.strangers_tokens_file, "w") as f:
            for key in strangers:
                f.write(wlk1_token(key, time.time()).hex() + "\n")

    keys = list(args.enrolled_key) + strangers
    advertisers = []
    for index, key in enumerate(keys):
        advertisers.append((key, await start_advertiser(link, index, key, args.company, args.interval_ms)))
    rotation = asyncio.create_task(rotate_tokens([(k, a[2]) for k, a in advertisers], args.company))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # A parent may start us with signals blocked (XCTest's Foundation.Process does: the mask is
    # inherited through exec); a blocked SIGTERM would never reach the handler below.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    print("READY", flush=True)
    await stop.wait()
    rotation.cancel()
    await transport.close()  # the pty transport removes its link here
    if args.pty:
        try:
            os.unlink(args.pty)
        except FileNotFoundError:
            pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pty", help="create a pty and link this path to it (H4)")
    where.add_argument("--tcp", type=int, help="listen for one H4 host on 127.0.0.1:PORT")
    parser.add_argument("--enrolled-key", type=parse_key, action="append", default=[], metavar="HEX")
    parser.add_argument("--strangers", type=int, default=0, metavar="N")
    parser.add_argument("--strangers-tokens-file", metavar="PATH",
                        help="write the strangers' current tokens here, one hex token a line")
    parser.add_argument("--company", type=parse_company, default=0xFFFF)
    parser.add_argument("--legacy-reports", action="store_true",
                        help="clear LE Extended Advertising in the exposed controller's features")
    parser.add_argument("--interval-ms", type=float, default=100.0)
    parser.add_argument("--print-token", type=parse_key, metavar="HEX",
                        help="print this key's WLK1 token (at --at or now) and exit")
    parser.add_argument("--at", type=float, help="Unix time for --print-token")
    args = parser.parse_args()

    check_spec_vectors()
    if args.print_token is not None:
        print(wlk1_token(args.print_token, args.at if args.at is not None else time.time()).hex())
        return 0
    if not args.pty and args.tcp is None:
        parser.error("one of --pty PATH or --tcp PORT is required")
    if args.interval_ms < 20:
        parser.error("--interval-ms must be at least 20 (the BLE minimum)")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
