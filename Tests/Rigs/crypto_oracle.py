"""An independent oracle for the identifier schemes: Python's `cryptography` package (OpenSSL).

Reads one request per line on stdin and writes one hex answer per line on stdout:
    aes KEY BLOCK                 -> AES-128(KEY, BLOCK)                         (32 hex digits)
    eid KEY K COUNTER             -> Eddystone EID (google/eddystone eid-computation.md)  (16)
    ah IRK PRAND                  -> Bluetooth ah(IRK, prand), the lowest 24 bits (6)
Keys and blocks are hex, most significant byte first (as docs/identifiers.md prints them).
The Swift tests generate random inputs and hold every AES implementation against these answers.
"""
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def aes(key: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def eid(key: bytes, k: int, counter: int) -> bytes:
    temp = aes(key, bytes(11) + b"\xff" + bytes(2) + (counter >> 16).to_bytes(2, "big"))
    masked = counter & ~((1 << k) - 1) & 0xFFFFFFFF
    return aes(temp, bytes(11) + bytes([k]) + masked.to_bytes(4, "big"))[:8]


def ah(irk: bytes, prand: int) -> bytes:
    return aes(irk, bytes(13) + prand.to_bytes(3, "big"))[13:]


def main() -> None:
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        op = parts[0]
        if op == "aes":
            out = aes(bytes.fromhex(parts[1]), bytes.fromhex(parts[2]))
        elif op == "eid":
            out = eid(bytes.fromhex(parts[1]), int(parts[2]), int(parts[3]))
        elif op == "ah":
            out = ah(bytes.fromhex(parts[1]), int(parts[2], 16))
        else:
            sys.exit(f"unknown request {op!r}")
        sys.stdout.write(out.hex() + "\n")


if __name__ == "__main__":
    main()
