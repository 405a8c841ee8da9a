#!/usr/bin/env python3
"""A TCP relay for H4 between Welkom and Bumble's `--tcp PORT` controller, which on cue puts
crafted bytes into the controller → host stream: the bad input of Welkom's radio tests.

  h4_relay.py --listen PORT --controller PORT

Accepts the host (the agent) on 127.0.0.1:PORT, connects to the controller on
127.0.0.1:--controller, and forwards both directions byte for byte. The controller → host
stream is split into H4 packets as it passes, so that an injection lands between two packets
(never inside one); the host → controller stream is passed on as it comes.

Cues (each injects once, at the next packet boundary, and prints `INJECTED KIND n=COUNT`):
  SIGUSR1  truncated: `04 3E 20 02 01 00`, an LE Meta event whose header claims 32 bytes and
           of which only 3 follow; the next real packets are taken for the rest of it, so the
           host's decoder has to resynchronise.
  SIGUSR2  overrun: a well-formed LE Advertising Report event (subevent 0x02, one report) whose
           advertising data ends in an AD structure with a length byte past the report's data.
The crafted report's address and AD bytes are fixed (see OVERRUN_*), so a test can look for
them where they must not appear.

Prints `READY` once listening and `CONNECTED` / `DISCONNECTED` as a host comes and goes.
SIGTERM exits 0.
"""
import argparse
import asyncio
import signal
import struct
import sys

TRUNCATED = bytes([0x04, 0x3E, 0x20, 0x02, 0x01, 0x00])

# The crafted report: a random static address and AD data whose second structure says 0x1A
# bytes follow when only 6 do. Distinctive bytes, so their absence from logs can be checked.
OVERRUN_ADDRESS = bytes.fromhex("563412eeffc0")  # C0:FF:EE:12:34:56, little-endian on the wire
OVERRUN_AD = bytes.fromhex("020106" "1aff" "ffff5701c0de")


def overrun_report() -> bytes:
    report = bytes([0x00, 0x01]) + OVERRUN_ADDRESS + bytes([len(OVERRUN_AD)]) + OVERRUN_AD + bytes([0xC4])  # rssi -60
    parameters = bytes([0x02, 0x01]) + report  # subevent LE Advertising Report, one report
    return bytes([0x04, 0x3E, len(parameters)]) + parameters


# H4 indicator → (header length, payload length from the header)
HEADERS = {
    0x01: (3, lambda h: h[2]),                                       # command
    0x02: (4, lambda h: struct.unpack_from("<H", h, 2)[0]),          # ACL
    0x03: (3, lambda h: h[2]),                                       # SCO
    0x04: (2, lambda h: h[1]),                                       # event
    0x05: (4, lambda h: struct.unpack_from("<H", h, 2)[0] & 0x3FFF),  # ISO
}


class PacketSplitter:
    """Splits an H4 stream into whole packets; a byte that starts none is passed on alone."""

    def __init__(self):
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list:
        self.buffer += data
        out = []
        while self.buffer:
            header = HEADERS.get(self.buffer[0])
            if header is None:  # not H4 as we know it: pass it on, we only pick boundaries
                out.append(bytes(self.buffer[:1]))
                del self.buffer[:1]
                continue
            header_length, payload_length = header
            if len(self.buffer) < 1 + header_length:
                break
            total = 1 + header_length + payload_length(bytes(self.buffer[1:1 + header_length]))
            if len(self.buffer) < total:
                break
            out.append(bytes(self.buffer[:total]))
            del self.buffer[:total]
        return out


class Relay:
    def __init__(self, controller_port: int):
        self.controller_port = controller_port
        self.pending: list = []  # (kind, bytes) waiting for the next packet boundary
        self.injected = {"truncated": 0, "overrun": 0}
        self.to_host = None

    def cue(self, kind: str, data: bytes):
        self.pending.append((kind, data))
        # Between two packets already (nothing half-received): inject now.
        if self.to_host is not None and not self.splitter.buffer:
            self.flush_pending()

    def flush_pending(self):
        while self.pending and self.to_host is not None:
            kind, data = self.pending.pop(0)
            self.to_host.write(data)
            self.injected[kind] += 1
            print(f"INJECTED {kind} n={self.injected[kind]}", flush=True)

    async def handle(self, host_reader, host_writer):
        controller_reader, controller_writer = await asyncio.open_connection("127.0.0.1", self.controller_port)
        self.splitter = PacketSplitter()
        self.to_host = host_writer
        print("CONNECTED", flush=True)

        async def host_to_controller():
            while data := await host_reader.read(4096):
                controller_writer.write(data)
                await controller_writer.drain()

        async def controller_to_host():
            while data := await controller_reader.read(4096):
                for packet in self.splitter.feed(data):
                    host_writer.write(packet)
                    self.flush_pending()  # a boundary: right after a whole packet
                await host_writer.drain()

        tasks = [asyncio.create_task(host_to_controller()), asyncio.create_task(controller_to_host())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            self.to_host = None
            for w in (host_writer, controller_writer):
                w.close()
            print("DISCONNECTED", flush=True)


async def run(args) -> int:
    relay = Relay(args.controller)
    relay.splitter = PacketSplitter()
    server = await asyncio.start_server(relay.handle, "127.0.0.1", args.listen)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2})
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, relay.cue, "truncated", TRUNCATED)
    loop.add_signal_handler(signal.SIGUSR2, relay.cue, "overrun", overrun_report())
    print("READY", flush=True)
    await stop.wait()
    server.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=int, required=True, help="port the host connects to on 127.0.0.1")
    parser.add_argument("--controller", type=int, required=True, help="the controller's port on 127.0.0.1")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
