#!/usr/bin/env python3
"""Writes a btsnoop capture of a scan of simulated WLK1 advertisers, for Welkom's replay tests.

A Bumble host `Device` scans (passive, duplicates not filtered) on a Bumble `Controller` on a
`LocalLink` shared with advertisers like those of bumble_store.py. A `BtSnooper` attached to the
host records the HCI stream from the host's side (datalink 1002, H4), so directions come out
right (docs/test-rigs.md, Bumble: a capture taken on the controller side has them swapped).

  bumble_capture.py --output scan.btsnoop --seconds 3 --enrolled-key HEX --strangers 5

Prints `WROTE PATH` when the capture is complete and closed.
"""
import argparse
import asyncio
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bumble_store import (  # noqa: E402  (the rig's own WLK1 and advertisers, one implementation)
    check_spec_vectors,
    parse_company,
    parse_key,
    start_advertiser,
    wlk1_token,
)


async def run(args) -> int:
    from bumble import hci
    from bumble.controller import Controller
    from bumble.device import Device
    from bumble.host import Host
    from bumble.link import LocalLink
    from bumble.snoop import BtSnooper
    from bumble.transport.common import AsyncPipeSink

    link = LocalLink()
    strangers = [secrets.token_bytes(16) for _ in range(args.strangers)]
    if args.strangers_tokens_file:
        with open(args.strangers_tokens_file, "w") as f:
            for key in strangers:
                f.write(wlk1_token(key, time.time()).hex() + "\n")
    for index, key in enumerate(list(args.enrolled_key) + strangers):
        await start_advertiser(link, index, key, args.company, args.interval_ms)

    scanner_controller = Controller("scanner", link=link)
    if args.legacy_reports:
        scanner_controller.le_features = scanner_controller.le_features & ~hci.LeFeatureMask.LE_EXTENDED_ADVERTISING
    host = Host(scanner_controller, AsyncPipeSink(scanner_controller))
    with open(args.output, "wb") as output:
        host.snooper = BtSnooper(output)
        scanner = Device(address=hci.Address.generate_static_address(), host=host)
        await scanner.power_on()
        await scanner.start_scanning(active=False, filter_duplicates=False)
        await asyncio.sleep(args.seconds)
        await scanner.stop_scanning()
        host.snooper = None
    print(f"WROTE {args.output}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, help="btsnoop file to write")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--enrolled-key", type=parse_key, action="append", default=[], metavar="HEX")
    parser.add_argument("--strangers", type=int, default=0, metavar="N")
    parser.add_argument("--strangers-tokens-file", metavar="PATH")
    parser.add_argument("--company", type=parse_company, default=0xFFFF)
    parser.add_argument("--legacy-reports", action="store_true")
    parser.add_argument("--interval-ms", type=float, default=100.0)
    args = parser.parse_args()
    check_spec_vectors()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
