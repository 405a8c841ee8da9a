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
  SIGHUP   controller restart: scanning is switched off in the controller behind the host's
           back (the relay sends it the disable commands and swallows their answers) and the host
           gets the Command Complete for HCI_NOP that a controller sends when it boots
           (with --restart-silently it gets nothing: the controller just goes quiet).
The crafted report's address and AD bytes are fixed (see OVERRUN_*), so a test can look for
them where they must not appear.

Options that shape the stream for a whole run:
  --rssi-schedule "T:V[/V...],..."  rewrite the RSSI byte of every advertising report (legacy
           and extended): from T seconds after the first report on, reports get V (several
           values separated by / are used in turn, a wobbling signal). Bumble always says -50;
           this is how a test walks a customer between till zones.
  --disallow OPCODE[,OPCODE]  answer these host commands (hex, e.g. 0x2041) with Command
           Complete, status Command Disallowed (0x0C), instead of passing them on: a BT5
           controller that refuses one command set.
Every host command is printed as `COMMAND 0xOPCODE` as it passes.

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


NOP_COMPLETE = bytes([0x04, 0x0E, 0x03, 0x01, 0x00, 0x00])  # Command Complete, opcode 0x0000
SCAN_OFF = [bytes([0x01, 0x0C, 0x20, 0x02, 0x00, 0x00]),                       # LE Set Scan Enable off
            bytes([0x01, 0x42, 0x20, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])]  # LE Set Extended Scan Enable off


def parse_schedule(text: str) -> list:
    """"0:-90,2:-67,3:-52/-64" → [(0.0, [-90]), (2.0, [-67]), (3.0, [-52, -64])], sorted by time."""
    steps = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        at, _, values = item.partition(":")
        steps.append((float(at), [int(v) for v in values.split("/")]))
    if not steps:
        raise argparse.ArgumentTypeError("an RSSI schedule needs at least one T:V step")
    return sorted(steps)


class RSSIRewriter:
    """Sets the RSSI of advertising reports by the schedule, from the first report on."""

    def __init__(self, schedule: list):
        self.schedule = schedule
        self.start = None
        self.turn = 0

    def value(self, now: float) -> int:
        if self.start is None:
            self.start = now
        values = self.schedule[0][1]
        for at, step in self.schedule:
            if now - self.start >= at:
                values = step
        self.turn += 1
        return values[self.turn % len(values)]

    def rewrite(self, packet: bytes, now: float) -> bytes:
        if len(packet) < 5 or packet[0] != 0x04 or packet[1] != 0x3E or packet[3] not in (0x02, 0x0D):
            return packet
        out = bytearray(packet)
        count, i = out[4], 5
        for _ in range(count):
            rssi = self.value(now) & 0xFF
            if out[3] == 0x02:  # event type, address type, address(6), length, data, rssi
                if i + 9 > len(out):
                    return packet
                end = i + 9 + out[i + 8]
                if end >= len(out):
                    return packet
                out[end] = rssi
                i = end + 1
            else:  # extended: 24 bytes of header (RSSI at 13), data length at 23, data
                if i + 24 > len(out):
                    return packet
                out[i + 13] = rssi
                i = i + 24 + out[i + 23]
        return bytes(out)


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
    def __init__(self, controller_port: int, rssi_schedule=None, disallow=(), restart_silently=False):
        self.controller_port = controller_port
        self.pending: list = []  # (kind, bytes) waiting for the next packet boundary
        self.injected = {"truncated": 0, "overrun": 0, "reset": 0}
        self.to_host = None
        self.to_controller = None
        self.rewriter = RSSIRewriter(rssi_schedule) if rssi_schedule else None
        self.disallow = set(disallow)
        self.swallow = 0  # Command Completes of our own commands still to drop
        self.restart_silently = restart_silently

    def restart_controller(self):
        """SIGHUP: the controller 'reboots': scanning off behind the host's back, then the NOP."""
        if self.to_controller is None:
            return
        for command in SCAN_OFF:
            self.to_controller.write(command)
            self.swallow += 1
        if self.restart_silently:
            self.injected["reset"] += 1
            print(f"INJECTED reset n={self.injected['reset']} (silent)", flush=True)
        else:
            self.cue("reset", NOP_COMPLETE)

    def cue(self, kind: str, data: bytes):
        self.pending.append((kind, data))
        # Between two packets already (nothing half-received): inject now.
        if self.to_host is not None and not self.splitter.buffer:
            self.flush_pending()

    def flush_pending(self):
        while self.pending and self.to_host is not None:
            kind, data = self.pending.pop(0)
            self.to_host.write(data)
            self.injected[kind] = self.injected.get(kind, 0) + 1
            print(f"INJECTED {kind} n={self.injected[kind]}", flush=True)

    async def handle(self, host_reader, host_writer):
        controller_reader, controller_writer = await asyncio.open_connection("127.0.0.1", self.controller_port)
        self.splitter = PacketSplitter()
        self.to_host = host_writer
        print("CONNECTED", flush=True)

        self.to_controller = controller_writer
        host_splitter = PacketSplitter()

        async def host_to_controller():
            while data := await host_reader.read(4096):
                for packet in host_splitter.feed(data):
                    if len(packet) >= 4 and packet[0] == 0x01:
                        opcode = packet[1] | packet[2] << 8
                        print(f"COMMAND 0x{opcode:04x}", flush=True)
                        if opcode in self.disallow:
                            # Command Complete: 1 command packet, the opcode, status Command Disallowed
                            self.cue("disallowed", bytes([0x04, 0x0E, 0x04, 0x01, packet[1], packet[2], 0x0C]))
                            continue
                    controller_writer.write(packet)
                await controller_writer.drain()

        async def controller_to_host():
            loop = asyncio.get_running_loop()
            while data := await controller_reader.read(4096):
                for packet in self.splitter.feed(data):
                    if self.swallow and packet[:2] == b"\x04\x0e" and len(packet) >= 6 and packet[4:6] in (b"\x0c\x20", b"\x42\x20"):
                        self.swallow -= 1  # the answer to our own scan-off command: the host never asked
                        continue
                    if self.rewriter:
                        packet = self.rewriter.rewrite(packet, loop.time())
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
            self.to_controller = None
            for w in (host_writer, controller_writer):
                w.close()
            print("DISCONNECTED", flush=True)


async def run(args) -> int:
    relay = Relay(args.controller, args.rssi_schedule, args.disallow, args.restart_silently)
    relay.splitter = PacketSplitter()
    server = await asyncio.start_server(relay.handle, "127.0.0.1", args.listen)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP})
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, relay.cue, "truncated", TRUNCATED)
    loop.add_signal_handler(signal.SIGUSR2, relay.cue, "overrun", overrun_report())
    loop.add_signal_handler(signal.SIGHUP, relay.restart_controller)
    print("READY", flush=True)
    await stop.wait()
    server.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=int, required=True, help="port the host connects to on 127.0.0.1")
    parser.add_argument("--controller", type=int, required=True, help="the controller's port on 127.0.0.1")
    parser.add_argument("--rssi-schedule", type=parse_schedule, help="T:V[/V...],... (see above)")
    parser.add_argument("--disallow", type=lambda t: [int(x, 16) for x in t.split(",") if x.strip()], default=[],
                        help="host command opcodes (hex) to answer with Command Disallowed")
    parser.add_argument("--restart-silently", action="store_true",
                        help="SIGHUP stops the controller scanning without telling the host")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
