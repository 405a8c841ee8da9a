#!/usr/bin/env python3
"""The shop floor of Tests/Rigs/bumble_store.py behind the guest kernel's /dev/vhci: a Bumble
`Controller` on the `vhci` transport is the kernel's hci0, and advertising `Device`s on the same
`LocalLink` are an enrolled customer's WLK1 fob and strangers. Runs inside the rig's guest.

    vhci_store.py --enrolled-key HEX [--strangers N] [--unplugged] [--pid-file PATH]

Waits for /dev/vhci (start it alongside `modprobe hci_vhci`: importing Bumble takes seconds under
TCG), then plugs the controller in and prints `PLUGGED` once the advertisers run; `READY` once,
after the first plug. SIGUSR1 unplugs the controller (closes /dev/vhci: the kernel unregisters
hci0), SIGUSR2 plugs a fresh one in (hci0 comes back). `--unplugged` starts with it out.
SIGTERM exits 0.
"""
import argparse
import asyncio
import os
import secrets
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bumble_store import check_spec_vectors, parse_key, start_advertiser, wlk1_token  # noqa: E402


class DroppingSink:
    """Writes the controller's packets straight to /dev/vhci, dropping those the kernel refuses."""

    def __init__(self, stream_sink):
        pipe = stream_sink.transport.get_extra_info("pipe")
        self.fd = pipe.fileno()

    def on_packet(self, packet: bytes) -> None:
        try:
            os.write(self.fd, packet)
        except OSError:
            pass


async def run(args) -> int:
    from bumble import hci
    from bumble.controller import Controller
    from bumble.link import LocalLink
    from bumble.transport import open_transport

    link = LocalLink()
    strangers = [secrets.token_bytes(16) for _ in range(args.strangers)]
    if args.strangers_tokens_file:
        Path(args.strangers_tokens_file).write_text("".join(wlk1_token(k, time.time()).hex() + "\n" for k in strangers))
    for index, key in enumerate(list(args.enrolled_key) + strangers):
        await start_advertiser(link, index, key, args.company, args.interval_ms)

    state = {"transport": None}

    async def plug():
        if state["transport"] is not None:
            return
        while not os.path.exists("/dev/vhci"):
            await asyncio.sleep(0.1)
        transport = await open_transport("vhci")
        # The kernel refuses packets (ENXIO) while hci0 is down; asyncio's pipe would then close the
        # fd, and the kernel unregister hci0. A radio nobody listens to drops what it hears instead.
        sink = DroppingSink(transport.sink)
        # A public address: the kernel will not power on a controller whose address is 00:00:00:00:00:00.
        controller = Controller("hci", host_source=transport.source, host_sink=sink, link=link,
                                public_address=hci.Address("F0:57:4C:4B:00:01"))
        if args.legacy_reports:
            controller.le_features = controller.le_features & ~hci.LeFeatureMask.LE_EXTENDED_ADVERTISING
        state["transport"] = transport
        state["controller"] = controller
        print("PLUGGED", flush=True)

    async def unplug():
        transport = state["transport"]
        if transport is None:
            return
        state["transport"] = None
        controller = state.pop("controller")
        # Off the link first, so the advertisers stop delivering to a controller without a host.
        try:
            link.remove_controller(controller)
        except Exception:  # older Bumbles keep no list; harmless
            pass
        await transport.close()
        print("UNPLUGGED", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2})
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: asyncio.ensure_future(unplug()))
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(plug()))
    if args.pid_file:
        Path(args.pid_file).write_text(f"{os.getpid()}\n")
    print("ADVERTISING", flush=True)
    if not args.unplugged:
        await plug()
    print("READY", flush=True)
    await stop.wait()
    await unplug()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enrolled-key", type=parse_key, action="append", default=[], metavar="HEX")
    parser.add_argument("--strangers", type=int, default=2, metavar="N")
    parser.add_argument("--strangers-tokens-file", metavar="PATH")
    parser.add_argument("--company", type=lambda t: int(t, 0), default=0xFFFF)
    parser.add_argument("--legacy-reports", action="store_true")
    parser.add_argument("--interval-ms", type=float, default=100.0)
    parser.add_argument("--unplugged", action="store_true", help="start with the controller unplugged (no hci0)")
    parser.add_argument("--pid-file", metavar="PATH")
    args = parser.parse_args()
    check_spec_vectors()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
