#!/usr/bin/env python3
"""Writes the usbdevfs replay files (*.ioctl) of the card-reader fixtures from readable intent:
what each reader sends, key by key and frame by frame. Run it after changing a scenario:
    python3 Tests/WelkomCardsTests/Fixtures/make_fixtures.py
Format (umockdev): `USBDEVFS_REAPURBNDELAY ret type endpoint status flags buffer_length
actual_length error_count HEX`; IN records must carry the buffer length the reader asks for,
OUT records the exact bytes; the file replays in a loop, and a record with status -19 makes
libusb report LIBUSB_ERROR_NO_DEVICE, an unplug."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
INTERRUPT, BULK = 1, 3

# HID keyboard usages of the US layout (what a scanner set to "us" presses).
US = {**{c: (0x04 + i, False) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
      **{c.upper(): (0x04 + i, True) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
      **{c: (0x1E + i, False) for i, c in enumerate("1234567890")},
      "\n": (0x28, False), "\t": (0x2B, False), "-": (0x2D, False),
      ";": (0x33, False), "=": (0x2E, False), "?": (0x38, True), "%": (0x22, True), "^": (0x23, True),
      "/": (0x38, False), " ": (0x2C, False)}


def urb(kind, endpoint, length, data=b"", status=0):
    return (f"USBDEVFS_REAPURBNDELAY 0 {kind} {endpoint} {status} 0 {length} {len(data)} 0 "
            + data.hex().upper()).rstrip() + "\n"


def unplug(kind, endpoint, length):
    return urb(kind, endpoint, length, status=-19)


def typed(text, endpoint=0x81):
    """Boot keyboard reports: a press and a release per character."""
    out = ""
    for c in text:
        usage, shift = US[c]
        out += urb(INTERRUPT, endpoint, 8, bytes([0x02 if shift else 0, 0, usage, 0, 0, 0, 0, 0]))
        out += urb(INTERRUPT, endpoint, 8, bytes(8))
    return out


def keyboard_wedge():
    # One session: a good EAN-13 ended by Enter, a bad check digit ended by Tab, half a code,
    # then the scanner is unplugged. The replay loops, so the reopened scanner does it again.
    return ("@DEV /dev/bus/usb/001/005 (usbdevfs)\n"
            + typed("8712345678906\n") + typed("8712345678901\t") + typed("871234")
            + unplug(INTERRUPT, 0x81, 8))


def keyboard_wedge_payment():
    # A bank card swiped through a keyboard-wedge magstripe reader: track 2 of Visa's test PAN.
    return ("@DEV /dev/bus/usb/001/005 (usbdevfs)\n"
            + typed(";4111111111111111=25121010000000000000?\n") + unplug(INTERRUPT, 0x81, 8))


def keyboard_wedge_pans():
    # Payment cards as issue 12 found them accepted: a swipe of track 2 with only the PAN, and a
    # PAN typed with spaces; then an enrolled loyalty card, so the test sees the reader still reads.
    return ("@DEV /dev/bus/usb/001/005 (usbdevfs)\n"
            + typed(";5500005555555559?\n") + typed("4111 1111 1111 1111\n") + typed("8712345678906\n")
            + unplug(INTERRUPT, 0x81, 8))


def keyboard_wedge_garbage():
    # A reader that floods garbage: 300 keys without a terminator, function keys and Ctrl
    # combinations, roll-over reports, then one good code so the test sees it still reads.
    out = "@DEV /dev/bus/usb/001/005 (usbdevfs)\n" + typed("7" * 300 + "\n")
    for usage in (0x3A, 0x3B, 0x45, 0x4C):                     # F1, F2, F12, Delete
        out += urb(INTERRUPT, 0x81, 8, bytes([0x01, 0, usage, 0, 0, 0, 0, 0]))
        out += urb(INTERRUPT, 0x81, 8, bytes(8))
    out += urb(INTERRUPT, 0x81, 8, bytes([0, 0, 1, 1, 1, 1, 1, 1]))  # roll-over
    out += typed("\n") + typed("96385074\n")
    return out + unplug(INTERRUPT, 0x81, 8)


def hid_pos_report(data: bytes, aim=b"", more=False):
    """HID-POS scanned-data report (usage page 0x8C), 64 bytes: report ID 2, data length,
    3-byte AIM symbology identifier (zeros when not given), data, flags (bit 0: more follows)."""
    report = bytearray(64)
    report[0] = 0x02
    report[1] = len(data)
    report[2:5] = aim.ljust(3, b"\0")
    report[5:5 + len(data)] = data
    report[63] = 1 if more else 0
    return bytes(report)


def hid_pos():
    long_code = b"MEMBER CARD NO. 1234567890123456789012345 OF WELKOM SHOP, UTRECHT"   # 66 bytes: two reports
    return ("@DEV /dev/bus/usb/001/006 (usbdevfs)\n"
            + urb(INTERRUPT, 0x81, 64, hid_pos_report(b"8712345678906", b"]E0"))
            + urb(INTERRUPT, 0x81, 64, hid_pos_report(long_code[:58], b"]C0", more=True))
            + urb(INTERRUPT, 0x81, 64, hid_pos_report(long_code[58:], b"]C0"))
            + urb(INTERRUPT, 0x81, 64, hid_pos_report(b";4111111111111111=25121010000000000000?"))
            + urb(INTERRUPT, 0x81, 64, bytes([0x02, 200]) + bytes(62))      # length beyond the report
            + unplug(INTERRUPT, 0x81, 64))


def ccid(message_type, seq, data=b"", status=0, error=0, param=b"\0\0\0"):
    """A CCID bulk message: type, dwLength (LE), slot 0, sequence, 3 type-specific bytes, data."""
    if message_type == 0x80:                                   # RDR_to_PC_DataBlock
        param = bytes([status, error, 0])
    return bytes([message_type]) + len(data).to_bytes(4, "little") + bytes([0, seq]) + param + data


def acr122u():
    get_uid = bytes.fromhex("FFCA000000")
    accept = bytes.fromhex("FF0040AC0401010101")      # green blink, one short beep (P2 0xAC)
    refuse = bytes.fromhex("FF00405C0402020301")      # red blinks, three beeps (P2 0x5C)
    atr = bytes.fromhex("3B8F8001804F0CA000000306030000000068")
    out = "@DEV /dev/bus/usb/001/003 (usbdevfs)\n"
    exchanges = [
        (ccid(0x62, 0, param=b"\x01\0\0"), ccid(0x80, 0, atr)),               # PC_to_RDR_IccPowerOn
        (ccid(0x6F, 1, get_uid), ccid(0x80, 1, bytes.fromhex("6300"))),       # no card
        (ccid(0x6F, 2, get_uid), ccid(0x80, 2, bytes.fromhex("04A1B2C3") + b"\x90\x00")),
        (ccid(0x6F, 3, accept), ccid(0x80, 3, bytes.fromhex("9002"))),        # recognised
        (ccid(0x6F, 4, get_uid), ccid(0x80, 4, bytes.fromhex("04A1B2C3") + b"\x90\x00")),  # still there
        (ccid(0x6F, 5, get_uid), ccid(0x80, 5, bytes.fromhex("6300"))),       # taken away
        (ccid(0x6F, 6, get_uid), ccid(0x80, 6, bytes.fromhex("04112233445566") + b"\x90\x00")),
        (ccid(0x6F, 7, refuse), ccid(0x80, 7, bytes.fromhex("9001"))),        # not recognised
        (ccid(0x6F, 8, get_uid), ccid(0x80, 8, bytes.fromhex("0411223344") + b"\x90\x00")),  # 5 bytes: bad
        (ccid(0x6F, 9, refuse), ccid(0x80, 9, bytes.fromhex("9001"))),        # refused at the reader
    ]
    for request, answer in exchanges:
        out += urb(BULK, 0x02, len(request), request)
        out += urb(BULK, 0x82, 64, answer)
    out += urb(BULK, 0x02, 15, ccid(0x6F, 10, get_uid))
    out += unplug(BULK, 0x82, 64)
    return out


# Linux key codes (input-event-codes.h) of the top-row digits 1…9, 0, and the HID usages behind them.
KEY_DIGIT = {c: 2 + i for i, c in enumerate("1234567890")}
USAGE_DIGIT = {c: 0x1E + i for i, c in enumerate("1234567890")}
KEY_LEFTSHIFT, KEY_ENTER = 42, 28
EV_SYN, EV_KEY, EV_MSC, MSC_SCAN = 0, 1, 4, 4


def evemu_scanner():
    """An evdev scanner set to AZERTY (layout fr): digits are Shift + the top-row keys. The
    first code comes with MSC_SCAN usages and ends with Enter; after a pause the second comes as
    bare key codes (as from a PS/2 or Bluetooth scanner) with no terminator: the inter-key gap
    ends it."""
    t = 0.5
    lines = []

    def event(type_, code, value):
        lines.append(f"E: {t:.6f} {type_:04x} {code:04x} {value}")

    def key(code, usage=None, dt=0.004):
        nonlocal t
        for value in (1, 0):
            if usage is not None:
                event(EV_MSC, MSC_SCAN, 0x70000 + usage)
            event(EV_KEY, code, value)
            event(EV_SYN, 0, 0)
            t += dt

    def code(text, scan, enter):
        nonlocal t
        for c in text:
            event(EV_KEY, KEY_LEFTSHIFT, 1); event(EV_SYN, 0, 0)
            key(KEY_DIGIT[c], USAGE_DIGIT[c] if scan else None)
            event(EV_KEY, KEY_LEFTSHIFT, 0); event(EV_SYN, 0, 0)
        if enter:
            key(KEY_ENTER, 0x28 if scan else None)

    code("5901234123457", scan=True, enter=True)   # a card nobody in the e2e tests enrols
    t += 1.0
    code("96385074", scan=False, enter=False)
    return "# EVEMU 1.3\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    (HERE / "evdev-scanner.events").write_text(evemu_scanner())
    (HERE / "keyboard-wedge.ioctl").write_text(keyboard_wedge())
    (HERE / "keyboard-wedge-payment.ioctl").write_text(keyboard_wedge_payment())
    (HERE / "keyboard-wedge-pans.ioctl").write_text(keyboard_wedge_pans())
    (HERE / "keyboard-wedge-garbage.ioctl").write_text(keyboard_wedge_garbage())
    (HERE / "hid-pos.ioctl").write_text(hid_pos())
    (HERE / "acr122u.ioctl").write_text(acr122u())
